# Passwords through Apache's authn providers: TsciRegistryAuthnProvider
# sends npm's login to mod_authn_file and mod_authn_dbm, in order, with the
# registry's own users as the provider "tsci-registry"; a user of the
# htpasswd file logs in with the real npm and publishes without ever being
# created in the registry; logging in works under Require valid-user with
# no exception; the registry's own users serve AuthBasicProvider too; and
# new users sign up only where an administrator said so.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use File::Path qw(mkpath rmtree);
use MIME::Base64 qw(encode_base64);
use TsciTest qw(base_url req json_of adduser publish unique t_var npm_env
                run_npm npm_adduser own_apache);

Apache::Test::plan(tests => 64, have_lwp);

my %body0 = (type => 'user', roles => [],
             date => '2026-11-30T00:00:00.000Z');

# PUT /-/user/org.couchdb.user:<user> as npm's legacy login sends it.
sub login {
    my ($base, $user, $pass, %o) = @_;
    return req(PUT => "${base}-/user/org.couchdb.user:$user",
               body => { %body0, _id => "org.couchdb.user:$user",
                         name => $user, password => $pass }, %o);
}

my $npm = base_url('/npm/');
my $closed = base_url('/closed/');

# ---- An htpasswd file alone (TsciRegistryAuthnProvider file) ----
my $pwfile = base_url('/pwfile/');
my $res = login($pwfile, 'basicuser', 'basic-pass-1');
is $res->code, 201, 'a user of the htpasswd file logs in';
my $ftoken = json_of($res) && json_of($res)->{token};
ok $ftoken, 'and gets a registry token';
$res = req(GET => "${pwfile}-/whoami", token => $ftoken);
is json_of($res)->{username}, 'basicuser', 'the token is that user\'s';
my $fpkg = unique('filepkg');
is publish($pwfile, $ftoken, name => $fpkg, version => '1.0.0')->code, 201,
   'and publishes with it';
like req(GET => "$pwfile$fpkg")->content, qr/"_npmUser":\{"name":"basicuser"/,
     'as that user';
is login($closed, 'basicuser', 'basic-pass-1')->code, 401,
   'the file\'s user was never made a registry user';

$res = login($pwfile, 'basicuser', 'wrong-pass');
is $res->code, 401, 'a wrong password: 401';
like $res->header('WWW-Authenticate'), qr/^Basic realm=/,
     'with the challenge npm reads as "Incorrect or missing password"';
my $wrong = json_of($res)->{error};

# A registry user is not in the file: not a user here.
my $reguser = unique('reguser');
adduser($npm, $reguser, 'reg-pass-1');
$res = login($pwfile, $reguser, 'reg-pass-1');
is $res->code, 401, 'a registry user is not asked for where only the file is';
is json_of($res)->{error}, $wrong,
   'the same answer as a wrong password: a name is not revealed';
# Signup is on for this server, but a new user could not log in again
# where the registry's own users are not asked: no signup here.
my $newbie = unique('newbie');
is login($pwfile, $newbie, 'new-pass-1')->code, 401,
   'no signup where the registry\'s own users are not a provider';
is login($closed, $newbie, 'new-pass-1')->code, 401, 'and nobody was created';

# ---- The file, then the registry's own users ----
my $pwboth = base_url('/pwboth/');
is login($pwboth, 'basicuser', 'basic-pass-1')->code, 201,
   'the file\'s user logs in where both are asked';
is login($pwboth, $reguser, 'reg-pass-1')->code, 201,
   'so does a registry user (the file does not know the name)';
is login($pwboth, $reguser, 'wrong')->code, 401,
   'a registry user with a wrong password: 401';
my $signup = unique('signup');
$res = login($pwboth, $signup, 'signup-pass-1');
is $res->code, 201, 'a new name signs up where the registry\'s users are asked';
is login($closed, $signup, 'signup-pass-1')->code, 201,
   'as a registry user';
# The file is asked first: its "wrong password" ends the search.
is login($pwboth, 'basicuser', 'reg-pass-1')->code, 401,
   'a provider that knows the user decides';

# ---- A DBM file (mod_authn_dbm) ----
my $dbm = t_var() . '/tsci-users.dbm';
unlink glob("$dbm*");
my $out = `htdbm -c -b -B -C 5 -Tdefault \Q$dbm\E dbmuser dbm-pass-1 2>&1`;
is $? >> 8, 0, 'htdbm made the DBM file' or diag $out;
my $pwdbm = base_url('/pwdbm/');
$res = login($pwdbm, 'dbmuser', 'dbm-pass-1');
is $res->code, 201, 'a user of the DBM file logs in';
my $dtoken = json_of($res) && json_of($res)->{token};
is json_of(req(GET => "${pwdbm}-/whoami", token => $dtoken))->{username},
   'dbmuser', 'as that user';
is login($pwdbm, 'dbmuser', 'dbm-pass-2')->code, 401,
   'a wrong password: 401';

# ---- A provider that cannot answer: 503, never a login ----
$res = login(base_url('/pwbroken/'), 'dbmuser', 'dbm-pass-1');
is $res->code, 503, 'a provider that fails: 503 (npm retries)';
ok !(json_of($res) || {})->{token}, 'and no token';

# ---- Under Require valid-user, with no exception for logging in ----
my $pwprivate = base_url('/pwprivate/');
is req(GET => "$pwprivate$fpkg")->code, 401, 'anonymous: 401';
$res = login($pwprivate, 'basicuser', 'basic-pass-1');
is $res->code, 201, 'logging in needs no Location of its own';
my $ptoken = json_of($res) && json_of($res)->{token};
is req(GET => "$pwprivate$fpkg", token => $ptoken)->code, 200,
   'the token opens the private registry';
$res = login($pwprivate, 'basicuser', 'wrong-pass');
is $res->code, 401, 'a wrong password: 401';
like $res->header('WWW-Authenticate'), qr/^Basic realm=/, 'a Basic challenge';
is json_of($res)->{error}, 'incorrect user name or password',
   'the body is JSON npm prints';
$res = login($pwprivate, $newbie, 'x-pass');
is $res->code, 401, 'an unknown user: 401';
is json_of($res)->{error}, 'incorrect user name or password',
   'the same answer';
$res = req(PUT => "${pwprivate}-/user/org.couchdb.user:basicuser",
           body => '{"name":"basicuser","password":');
is $res->code, 400, 'a broken login body: 400 before any check';
$res = req(PUT => "${pwprivate}-/user/org.couchdb.user:basicuser",
           body => { name => 'basicuser', password => 'basic-pass-1',
                     pad => 'x' x (65 * 1024) });
is $res->code, 413, 'a login body over 64 KB: 413';
$res = req(PUT => "${pwprivate}-/user/org.couchdb.user:basicuser",
           body => { name => 'someoneelse', password => 'basic-pass-1' });
is $res->code, 400, 'a body naming another user: 400';
$res = login($pwprivate, 'basicuser', 'basic-pass-1',
             token => 'tsr_revoked-or-never-was');
is $res->code, 201, 'a stale token does not stop a login';

# The same under Require valid-user with the registry's own users: a
# registry user logs in, a wrong password does not.
my $private = base_url('/private/');
is login($private, $reguser, 'reg-pass-1')->code, 201,
   'a registry user logs in to /private/ with no exception';
is login($private, $reguser, 'bad-pass-1')->code, 401,
   'not with a wrong password';

# ---- The real npm: login, whoami, publish, install ----
SKIP: {
    skip 'npm is not installed', 9
        unless system('npm --version >/dev/null 2>&1') == 0;
    my $env = npm_env('providers');
    my ($ok, $tr) = npm_adduser($env, $pwprivate, 'basicuser',
                                'basic-pass-1');
    ok $ok, 'npm login --auth-type=legacy as a user of the htpasswd file'
        or diag $tr;
    my $work = t_var() . '/npm-providers-work';
    rmtree($work);
    mkpath("$work/pkg");
    my ($rc, $o) = run_npm($env, $work, 'whoami', "--registry=$pwprivate");
    is $rc, 0, 'npm whoami' or diag $o;
    like $o, qr/^basicuser$/m, 'names the file\'s user';
    my $name = unique('npmfile');
    open my $fh, '>', "$work/pkg/package.json" or die $!;
    print $fh qq({"name":"$name","version":"1.0.0","main":"index.js"}\n);
    close $fh;
    open $fh, '>', "$work/pkg/index.js" or die $!;
    print $fh "module.exports = 'from the htpasswd user';\n";
    close $fh;
    ($rc, $o) = run_npm($env, "$work/pkg", 'publish',
                        "--registry=$pwprivate");
    is $rc, 0, 'npm publish to the private registry' or diag $o;
    mkpath("$work/app");
    ($rc, $o) = run_npm($env, "$work/app", 'install', $name,
                        "--registry=$pwprivate");
    is $rc, 0, 'npm install from it' or diag $o;
    ok -f "$work/app/node_modules/$name/index.js", 'the package is installed';

    my $env2 = npm_env('providers-bad');
    ($ok, $tr) = npm_adduser($env2, $pwprivate, 'basicuser', 'not-it');
    ok !$ok, 'npm login with a wrong password fails';
    like $tr, qr/E401|Incorrect or missing password/i,
         'and npm says the password is wrong' or diag $tr;
    ($rc, $o) = run_npm($env2, $work, 'whoami', "--registry=$pwprivate");
    isnt $rc, 0, 'no token was saved';
}

# ---- The registry's own users as AuthBasicProvider tsci-registry ----
my $ownbasic = base_url('/ownbasic/');
my $good = 'Basic ' . encode_base64("$reguser:reg-pass-1", '');
my $bad = 'Basic ' . encode_base64("$reguser:nope", '');
$res = req(GET => "${ownbasic}-/whoami", headers => { Authorization => $good });
is $res->code, 200, 'Basic with a registry user\'s password';
is json_of($res)->{username}, $reguser, 'names that user';
is req(GET => $ownbasic, headers => { Authorization => $bad })->code, 401,
   'a wrong password: 401';
my $bpkg = unique('ownbasic');
$res = req(PUT => "$ownbasic$bpkg", headers => { Authorization => $good },
           body => TsciTest::publish_body(name => $bpkg, version => '1.0.0'));
is $res->code, 201, 'and publishes with Basic';

# ---- Signup is off unless an administrator turns it on ----
my $dport = TsciTest::spare_port(4);
my $ap = own_apache(name => 'signup-default', port => $dport,
                    conf => "<Location /dflt/>\n    TsciRegistry On\n"
                          . "</Location>\n");
ok $ap->{up}, 'an Apache with a registry Location that says nothing more';
my $dflt = "http://127.0.0.1:$dport/dflt/";
$res = login($dflt, 'first-user', 'first-pass-1');
is $res->code, 401, 'nobody signs up by default';
like json_of($res)->{error}, qr/does not let new users sign up/,
     'and the answer says why';
is login($ap->{base}, 'first-user', 'first-pass-1')->code, 201,
   'one line (TsciRegistryAllowSignup On) opens it';
is login($dflt, 'first-user', 'first-pass-1')->code, 201,
   'a user made there logs in where signup is off';

# Or the administrator adds users with the tool, beside the running Apache.
my $admin = Apache::Test::vars('top_dir')
    . '/mod_tsci_registry/tsci-registry';
sub admin_add {
    my ($password, @args) = @_;
    my $cmd = join ' ', map { quotemeta } $admin, '-d', $ap->{datadir},
        'user', 'add', @args;
    my $o = `printf '%s\n' \Q$password\E | $cmd 2>&1`;
    return ($? >> 8, $o);
}
my ($arc, $aout) = admin_add('tool-pass-1', 'tooluser', 'tool@example.com');
is $arc, 0, 'tsci-registry user add' or diag $aout;
is login($dflt, 'tooluser', 'tool-pass-1')->code, 201,
   'the added user logs in where signup is off';
is login($dflt, 'tooluser', 'tool-pass-2')->code, 401,
   'with that password only';
($arc, $aout) = admin_add('other-pass', 'tooluser');
isnt $arc, 0, 'adding a user twice fails';
like $aout, qr/exists already/, 'and says so';
($arc, $aout) = admin_add('x-pass', 'Not A Name');
isnt $arc, 0, 'a name npm could not use is refused';
($arc, $aout) = admin_add('', 'emptypw');
isnt $arc, 0, 'an empty password is refused';
is login($ap->{base}, 'emptypw', 'later-pass')->code, 201,
   'and no user was made (the name is still free to sign up)';
$ap->{stop}->();
