# A stored document that does not decode is a server error (500, logged),
# not a passing "try again" (503): retrying would not help.  The view is
# overwritten behind the registry's back with Berkeley DB's own loader,
# joining the running environment as Apache's children do.  It happens in
# the second server's store (t/var/root), which no other test reads whole.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use TsciTest qw(bdb_only base_url req json_of adduser publish unique data_dir);

Apache::Test::plan(tests => 6, Apache::Test::need(have_lwp,
    bdb_only("a view overwritten with db5.3_load")));

my $base = base_url('/', 'tsci_root');
my $token = adduser($base, unique('corrupt'), 'corrupt-pass-1');
my $name = unique('broken-view');
is publish($base, $token, name => $name, version => '1.0.0')->code, 201,
   'published';
is req(GET => "$base$name")->code, 200, 'the packument reads';

# The full view's key is the name, a NUL and "f" (tsr_store_bdb.c).
my $key = unpack('H*', "$name\0f");
my $val = unpack('H*', 'this is not a ready view');
my $home = data_dir('root') . '/db';
my $in = data_dir('root') . '/corrupt.load';
open my $fh, '>', $in or die $!;
print $fh "VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n"
    . " $key\n $val\nDATA=END\n";
close $fh;
my $out = `db5.3_load -h \Q$home\E -f \Q$in\E views.db 2>&1`;
is $?, 0, 'the view is overwritten' or diag $out;
# A write from outside Apache bumps no stamp: processes that read the
# view before keep it for the cache's time to live (2 s), no longer.
select undef, undef, undef, 2.5;

my $res = req(GET => "$base$name");
is $res->code, 500, 'an unreadable stored view: 500, not 503';
like json_of($res) && json_of($res)->{error}, qr/unreadable/,
     'saying the stored document is unreadable';
is req(GET => "$base$name",
       headers => { Accept => 'application/vnd.npm.install-v1+json' })->code,
   200, 'the other view of the same package still reads';
