# Read-only tokens read and never write: made with the admin tool (npm can
# no longer ask for one), they get 403 on a publish and change nothing.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use TsciTest qw(admin_cmd base_url req json_of adduser publish store_state unique
                data_dir);

Apache::Test::plan(tests => 12, have_lwp);

my $base = base_url('/npm/');
my $admin = Apache::Test::vars('top_dir')
    . '/mod_tsci_registry/tsci-registry';
my $user = unique('reader');
my $rw = adduser($base, $user, 'reader-pass-1');
my $name = unique('guarded');
is publish($base, $rw, name => $name, version => '1.0.0')->code, 201,
   'a normal token publishes';

my $ro = `@{[admin_cmd()]} token create \Q$user\E --read-only 2>&1`;
is $?, 0, 'the admin tool makes a read-only token' or diag $ro;
chomp $ro;
like $ro, qr/^tsr_[A-Za-z0-9_-]{43}$/, 'it prints the token';

my $res = req(GET => "${base}-/whoami", token => $ro);
is json_of($res) && json_of($res)->{username}, $user,
   'the read-only token is that user';
is req(GET => "$base$name", token => $ro)->code, 200, 'it reads';
is req(GET => "$base$name/-/$name-1.0.0.tgz", token => $ro)->code, 200,
   'it reads tarballs';

my $before = store_state($base, $name);
$res = publish($base, $ro, name => $name, version => '1.0.1');
is $res->code, 403, 'a publish with it: 403';
like json_of($res)->{error}, qr/read-only/, 'saying the token is read-only';
is store_state($base, $name), $before, 'nothing changed';

# The tool refuses what it cannot do, with a reason.
my $out = `@{[admin_cmd()]} token create nobody-such 2>&1`;
isnt $?, 0, 'no token for a user that does not exist';
like $out, qr/no user nobody-such/, 'and it says so';
$out = `\Q$admin\E 2>&1`;
is $? >> 8, 2, 'usage on a wrong command line';
