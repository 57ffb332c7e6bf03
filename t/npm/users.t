# Users and tokens: npm's legacy adduser/login, whoami, logout, and a
# registry that lets nobody new sign up.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use File::Find ();
use TsciTest qw(base_url req json_of adduser unique data_dir);

Apache::Test::plan(tests => 32, have_lwp);

my $base = base_url('/npm/');
my $user = unique('carol');
my $url = "${base}-/user/org.couchdb.user:$user";
my %body = (_id => "org.couchdb.user:$user", name => $user,
            password => 'carol-pass-1', email => "$user\@example.com",
            type => 'user', roles => [], date => '2026-11-23T00:00:00.000Z');

# Sign up.
my $res = req(PUT => $url, body => \%body);
is $res->code, 201, 'new user: 201';
my $t1 = json_of($res)->{token};
like $t1, qr/^tsr_[A-Za-z0-9_-]{43}$/, 'a token comes back';

# whoami with it.
$res = req(GET => "${base}-/whoami", token => $t1);
is $res->code, 200, 'whoami';
is json_of($res)->{username}, $user, 'whoami names the user';

# Log in again (npm login sends the same PUT): a new token, old one kept.
$res = req(PUT => $url, body => { %body, email => undef });
is $res->code, 201, 'existing user, right password: 201';
my $t2 = json_of($res)->{token};
ok $t2 && $t2 ne $t1, 'a second, different token';
is json_of(req(GET => "${base}-/whoami", token => $t1))->{username}, $user,
   'first token still valid';

# Wrong password: 401 with Basic, so npm says "Incorrect or missing password".
$res = req(PUT => $url, body => { %body, password => 'wrong' });
is $res->code, 401, 'wrong password: 401';
like $res->header('WWW-Authenticate'), qr/^Basic/, 'Basic challenge';
like json_of($res)->{error}, qr/incorrect user name or password/;
ok !json_of($res)->{token}, 'no token';

# Bad requests.
$res = req(PUT => "${base}-/user/org.couchdb.user:Upper", body =>
           { %body, name => 'Upper' });
is $res->code, 400, 'upper-case user name refused';
$res = req(PUT => $url, body => { %body, name => 'someone-else' });
is $res->code, 400, 'body name must match the URL';
$res = req(PUT => "${base}-/user/org.couchdb.user:" . unique('dave'),
           body => { %body, name => undef, password => '' });
is $res->code, 400, 'empty password refused';

# Limits: the password, the email address, the whole body.
my $long = unique('frank');
is req(PUT => "${base}-/user/org.couchdb.user:$long",
       body => { %body, name => $long, password => 'p' x 1025 })->code, 400,
   'password over 1024 characters refused';
is req(PUT => "${base}-/user/org.couchdb.user:$long",
       body => { %body, name => $long, email => ('e' x 250) . '@x.test' })->code,
   400, 'email over 254 characters refused';
is req(PUT => "${base}-/user/org.couchdb.user:$long",
       body => { %body, name => $long, pad => 'x' x 70000 })->code, 413,
   'login body over 64 KiB refused';

# whoami without a valid token.
$res = req(GET => "${base}-/whoami");
is $res->code, 401, 'whoami anonymous: 401';
$res = req(GET => "${base}-/whoami", token => 'tsr_nope');
is $res->code, 401, 'whoami with an unknown token: 401';
like $res->header('WWW-Authenticate'), qr/^Bearer/, 'Bearer challenge';

# Logout revokes exactly that token, in every child: each child may have
# remembered it, so ask many times over new connections.
my @before = map {
    req(GET => "${base}-/whoami", token => $t1,
        headers => { Connection => 'close' })->code
} 1 .. 20;
is "@before", join(' ', (200) x 20), 'token known on every connection';
$res = req(DELETE => "${base}-/user/token/$t1", token => $t1);
is $res->code, 200, 'logout: 200';
is req(GET => "${base}-/whoami", token => $t1)->code, 401,
   'logged-out token no longer works';
my @after = map {
    req(GET => "${base}-/whoami", token => $t1,
        headers => { Connection => 'close' })->code
} 1 .. 20;
is "@after", join(' ', (401) x 20),
   'nor on any other connection, whichever child answers';
is req(GET => "${base}-/whoami", token => $t2)->code, 200,
   'the other token still works';
is req(DELETE => "${base}-/user/token/tsr_unknown")->code, 200,
   'logout of an unknown token is 200 too (npm keeps it otherwise)';

# A registry where nobody new signs up.
my $closed = base_url('/closed/');
my $newbie = unique('erin');
$res = req(PUT => "${closed}-/user/org.couchdb.user:$newbie",
           body => { %body, _id => "org.couchdb.user:$newbie",
                     name => $newbie });
is $res->code, 401, 'signup disabled: 401';
like json_of($res)->{error}, qr/does not let new users sign up/;
is req(PUT => "${base}-/user/org.couchdb.user:$newbie",
       body => { %body, name => $newbie })->code, 201,
   'the same name can sign up where signup is on';
$res = req(PUT => "${closed}-/user/org.couchdb.user:$user", body => \%body);
is $res->code, 201, 'an existing user still logs in there';

# Tokens and passwords are stored only as hashes.
my ($plain_token, $plain_pass) = (0, 0);
File::Find::find({ no_chdir => 1, wanted => sub {
    return unless -f $_;
    open my $fh, '<:raw', $_ or return;
    my $data = do { local $/; <$fh> };
    $plain_token++ if index($data, $t2) >= 0;
    $plain_pass++ if index($data, 'carol-pass-1') >= 0;
} }, data_dir());
is $plain_token, 0, 'no token in plain text in the data directory';
is $plain_pass, 0, 'no password in plain text in the data directory';
