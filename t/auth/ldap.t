# Sign-in through a real LDAP directory with Apache's mod_authnz_ldap: a
# private slapd (t/lib/TsciLDAP.pm) holds the people and the group
# publishers; the registry's <Location>s say AuthBasicProvider ldap and
# Require ldap-group.  The real npm client publishes and installs as a
# directory user with Basic credentials and the registry records that user;
# people outside the group, wrong passwords and anonymous requests are
# refused, tarballs included; registry tokens are authorized by the same
# directory group.  With TsciRegistryAuthnProvider ldap, npm login checks
# the password with the directory: a member logs in, gets a token and
# publishes without ever being made a registry user.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use File::Path qw(mkpath rmtree);
use MIME::Base64 qw(encode_base64);
use Digest::SHA qw(sha1_hex);
use Time::HiRes qw(sleep);
use TsciTest qw(admin_cmd base_url req json_of adduser publish publish_body unique
                npm_env run_npm npm_adduser store_state data_dir t_var
                write_file web_start web_form);
use TsciLDAP ();

my $no_npm = system('npm --version >/dev/null 2>&1') != 0;
my $no_slapd = TsciLDAP::missing();
# CI installs both (.ci/deps): there a missing one is a failure, not a skip.
if (($no_npm || $no_slapd) && !$ENV{CI}) {
    plan skip_all => $no_slapd // 'npm is not installed';
}
Apache::Test::plan(tests => 78);

my $cfg = Apache::Test::config();
my $error_log = $cfg->{vars}{t_logs} . '/error_log';
my $admin = Apache::Test::vars('top_dir')
    . '/mod_tsci_registry/tsci-registry';

# The directory: alice and carol publish, bob is a colleague outside the
# group.  The service account is the one t/conf/extra.conf.in binds with.
my %pw = ('ldap-alice' => 'alice-dir-pw', 'ldap-bob' => 'bob-dir-pw',
          'ldap-carol' => 'carol-dir-pw');
my %directory = (
    port => Apache::Test::vars('ldap_port'),
    dir => t_var() . '/ldap',
    service => ['httpd', 'tsci-httpd-bind'],
    people => [ map { { uid => $_, password => $pw{$_} } } sort keys %pw ],
    groups => { publishers => ['ldap-alice', 'ldap-carol'] },
);

sub basic {
    my ($user, $pass) = @_;
    return { Authorization => 'Basic ' . encode_base64("$user:$pass", '') };
}

# Lines the error log gained since $from (a byte offset).
sub log_since {
    my $from = shift;
    sleep 0.2;
    open my $fh, '<', $error_log or return '';
    seek $fh, $from, 0;
    local $/;
    return <$fh> // '';
}

# An npm environment whose .npmrc points at $registry with extra lines.
sub npm_for {
    my ($tag, $registry, @lines) = @_;
    my $env = npm_env($tag);
    open my $fh, '>>', $env->{userconfig} or die $!;
    print $fh "registry=$registry\n", map { "$_\n" } @lines;
    close $fh;
    return $env;
}

# //host:port/path/ as npm keys credentials.
sub nerf {
    (my $n = shift) =~ s{^https?:}{};
    return $n;
}

# npm's legacy login as a raw request.
sub login {
    my ($base, $user, $pass) = @_;
    return req(PUT => "${base}-/user/org.couchdb.user:$user",
               body => { _id => "org.couchdb.user:$user", name => $user,
                         password => $pass, type => 'user', roles => [],
                         date => '2026-11-30T00:00:00.000Z' });
}

my $ldap_base = base_url('/ldap/');
my $team = base_url('/ldapteam/');
my $ldaplogin = base_url('/ldaplogin/');
my $alice = basic('ldap-alice', $pw{'ldap-alice'});

# ---- Apache is up before the directory ----
# mod_authnz_ldap connects when a request needs it: with no directory yet
# a sign-in is a server error, never a grant, and it does not hang.
my $t0 = Time::HiRes::time();
my $res = req(GET => "${ldap_base}-/whoami", headers => $alice);
is $res->code, 500, 'directory unreachable: the sign-in is a 500';
ok Time::HiRes::time() - $t0 < 10, 'and it fails fast';
$res = login($ldaplogin, 'ldap-alice', $pw{'ldap-alice'});
is $res->code, 503, 'an npm login the directory cannot check: 503 (npm retries)';

my $ldap = TsciLDAP->start(%directory);
ok $ldap->pid, "slapd answers on " . $ldap->url;

# ---- Basic credentials checked by the directory ----
$res = req(GET => "${ldap_base}-/whoami", headers => $alice);
is $res->code, 200, 'the same request once the directory is up';
is json_of($res) && json_of($res)->{username}, 'ldap-alice',
   'whoami names the directory user';

$res = req(GET => $ldap_base);
is $res->code, 401, 'anonymous: 401';
like $res->header('WWW-Authenticate') // '', qr/^Basic realm="tsci-registry"/,
     'with a Basic challenge';
$res = req(GET => $ldap_base, headers => basic('ldap-alice', 'not-it'));
is $res->code, 401, 'a wrong password: 401';
like $res->header('WWW-Authenticate') // '', qr/^Basic /,
     'with a Basic challenge';
my $mark = -s $error_log;
$res = req(GET => $ldap_base, headers => basic('ldap-bob', $pw{'ldap-bob'}));
# Apache answers an authenticated user that Require refuses with 401 and a
# new challenge (AuthzSendForbiddenOnFailure Off, its default): the
# directory accepted bob's password, the group refused him.
is $res->code, 401, 'a directory user outside the group: 401 (Apache\'s default)';
like log_since($mark), qr/user ldap-bob: authorization failure/,
     'Apache logs it as an authorization failure, not a bad password';

# ---- The real npm client with _auth ----
my $work = t_var() . '/ldap-work';
rmtree($work);
mkpath($work);
my $pkg = unique('ldap-lib');
my $src = "$work/$pkg";
mkpath($src);
write_file("$src/package.json", qq({"name": "$pkg", "version": "1.0.0", )
    . qq("main": "index.js", "license": "MIT", "description": "from ldap"}\n));
write_file("$src/index.js", "module.exports = 'published by ldap-alice';\n");
write_file("$src/README.md", "# $pkg\n");

my $auth_line = sub {
    my ($base, $user, $pass) = @_;
    return nerf($base) . ':_auth=' . encode_base64("$user:$pass", '');
};
my $aenv = npm_for('ldap-alice', $ldap_base,
                   $auth_line->($ldap_base, 'ldap-alice', $pw{'ldap-alice'}));
my ($rc, $out) = run_npm($aenv, $work, 'whoami');
is $rc, 0, 'npm whoami with the directory password' or diag $out;
like $out, qr/^ldap-alice$/m, 'npm says ldap-alice';
($rc, $out) = run_npm($aenv, $src, 'publish');
is $rc, 0, 'npm publish as ldap-alice' or diag $out;
like $out, qr/\+ \Q$pkg\E\@1\.0\.0/, 'npm reports it published';

$res = req(GET => "$ldap_base$pkg", headers => $alice);
my $doc = json_of($res) || {};
is $doc->{versions}{'1.0.0'}{_npmUser}{name}, 'ldap-alice',
   'the registry records the directory user as the publisher';
is_deeply [ map { $_->{name} } @{ $doc->{maintainers} || [] } ],
   ['ldap-alice'], 'and as the maintainer';

my $app = "$work/app";
mkpath($app);
write_file("$app/package.json", qq({"name": "app", "version": "1.0.0", "private": true}\n));
my $ienv = npm_for('ldap-alice-install', $ldap_base,
                   $auth_line->($ldap_base, 'ldap-alice', $pw{'ldap-alice'}));
($rc, $out) = run_npm($ienv, $app, 'install', $pkg);
is $rc, 0, 'npm install with an empty cache, tarball through the directory'
    or diag $out;
my $said = `cd \Q$app\E && node -e "console.log(require('$pkg'))" 2>&1`;
is $said, "published by ldap-alice\n", 'the installed package is the published one';

# The tarball is behind the same rule.
my $tgz = "$ldap_base$pkg/-/$pkg-1.0.0.tgz";
$res = req(GET => $tgz);
is $res->code, 401, 'tarball, anonymous: 401';
like $res->header('WWW-Authenticate') // '', qr/^Basic /, 'with a Basic challenge';
is req(GET => $tgz, headers => basic('ldap-bob', $pw{'ldap-bob'}))->code,
   401, 'tarball, outside the group: 401';
is req(GET => $tgz, headers => basic('ldap-alice', 'nope'))->code, 401,
   'tarball, wrong password: 401';
$res = req(GET => $tgz, headers => $alice);
is $res->code, 200, 'tarball, a member: 200';
is sha1_hex($res->content), $doc->{versions}{'1.0.0'}{dist}{shasum},
   'the bytes the packument describes';

# npm as bob and with a wrong password: refused, nothing published.
my $before = store_state(base_url('/npm/'), $pkg);
write_file("$src/package.json", qq({"name": "$pkg", "version": "1.0.1", )
    . qq("main": "index.js", "license": "MIT", "description": "from ldap"}\n));
my $benv = npm_for('ldap-bob', $ldap_base,
                   $auth_line->($ldap_base, 'ldap-bob', $pw{'ldap-bob'}));
($rc, $out) = run_npm($benv, $src, 'publish');
isnt $rc, 0, 'npm publish as bob fails';
like $out, qr/E401/, 'npm reports the 401';
my $wenv = npm_for('ldap-wrong', $ldap_base,
                   $auth_line->($ldap_base, 'ldap-alice', 'wrong-pw'));
($rc, $out) = run_npm($wenv, $src, 'publish');
isnt $rc, 0, 'npm publish with a wrong password fails';
like $out, qr/E401/, 'npm reports the 401';
is store_state(base_url('/npm/'), $pkg), $before, 'the store is unchanged';

# ---- Registry tokens under Require ldap-group ----
# mod_authnz_ldap authorizes a user another module authenticated by
# looking the name up with AuthLDAPURL's attribute (uid) and comparing its
# DN with the group's members.  Tokens are for registry users: carol and
# bob have registry accounts of their own (with other passwords).
my $npm = base_url('/npm/');
adduser($npm, $_, "$_-registry-pw") for qw(ldap-carol ldap-bob);
my $token = sub {
    my $t = `@{[admin_cmd()]} token create \Q$_[0]\E 2>&1`;
    chomp $t;
    return $t;
};
my $carol = $token->('ldap-carol');
like $carol, qr/^tsr_/, 'a token for ldap-carol from the admin tool';
my $bob = $token->('ldap-bob');
my $stranger = adduser($npm, unique('regonly'), 'regonly-pw-1');

$res = req(GET => "${ldap_base}-/whoami", token => $carol);
is $res->code, 200, 'a token whose user is in the directory group: 200';
is json_of($res) && json_of($res)->{username}, 'ldap-carol',
   'and it is that user';
my $cpkg = unique('ldap-token');
$res = publish($ldap_base, $carol, name => $cpkg, version => '1.0.0');
is $res->code, 201, 'it publishes';
$doc = json_of(req(GET => "$ldap_base$cpkg", token => $carol)) || {};
is $doc->{versions}{'1.0.0'}{_npmUser}{name}, 'ldap-carol',
   'as ldap-carol';
is req(GET => $tgz, token => $carol)->code, 200, 'it reads tarballs';

# Authorization happens before authentication for a token, so a user the
# group refuses gets a plain 403, not a new challenge.
$res = req(GET => "$ldap_base$pkg", token => $bob);
is $res->code, 403, 'a token whose user the group does not list: 403';
$res = req(GET => "$ldap_base$pkg", token => $stranger);
is $res->code, 403, 'a token whose user is not in the directory: 403';
$res = publish($ldap_base, $stranger, name => unique('nope'),
               version => '1.0.0');
is $res->code, 403, 'and it publishes nothing';
$res = req(GET => "$ldap_base$pkg", token => 'tsr_no-such-token');
is $res->code, 401, 'a token that is not valid: 401';

my $tenv = npm_for('ldap-carol-token', $ldap_base,
                   nerf($ldap_base) . ":_authToken=$carol");
($rc, $out) = run_npm($tenv, $work, 'view', $pkg, 'version');
is $rc, 0, 'npm view with the token' or diag $out;
like $out, qr/^1\.0\.0$/m, 'npm sees the version';

# ---- Readable by all, publishing for the group, 403 outside it ----
my $tpkg = unique('ldap-team');
my $body = sub { publish_body(name => $tpkg, version => $_[0]) };
$res = req(PUT => "$team$tpkg", body => $body->('1.0.0'));
is $res->code, 401, 'team: an anonymous publish is 401';
like $res->header('WWW-Authenticate') // '', qr/^Basic /,
     'with a Basic challenge';
$res = req(PUT => "$team$tpkg", body => $body->('1.0.0'),
           headers => basic('ldap-bob', $pw{'ldap-bob'}));
is $res->code, 403,
   'team: bob, outside the group, gets 403 (AuthzSendForbiddenOnFailure)';
$res = req(PUT => "$team$tpkg", body => $body->('1.0.0'),
           headers => basic('ldap-bob', 'wrong'));
is $res->code, 401, 'a wrong password is still 401';
$res = publish($team, $stranger, name => $tpkg, version => '1.0.0');
is $res->code, 403, 'team: a registry token outside the directory: 403';
$res = req(PUT => "$team$tpkg", body => $body->('1.0.0'), headers => $alice);
is $res->code, 201, 'team: a member publishes with Basic';
$res = publish($team, $carol, name => $tpkg, version => '1.0.1');
is $res->code, 403,
   'a member who is not a maintainer of the package: 403 from the registry';
like json_of($res) && json_of($res)->{error}, qr/not a maintainer/,
     'saying why';
$res = req(GET => "$team$tpkg");
is $res->code, 200, 'team: anyone reads';
is_deeply [ sort keys %{ (json_of($res) || {})->{versions} || {} } ],
   ['1.0.0'], 'only the member\'s version is there';
is req(GET => "$team$tpkg/-/$tpkg-1.0.0.tgz")->code, 200,
   'team: anyone reads the tarball';

# ---- npm login checked by the directory ----
# TsciRegistryAuthnProvider ldap: the directory alone checks the login's
# password, under Require ldap-group with no exception for logging in.
my $lenv = npm_env('ldap-login');
my ($ok, $tr) = npm_adduser($lenv, $ldaplogin, 'ldap-alice',
                            $pw{'ldap-alice'});
ok $ok, 'npm login --auth-type=legacy as ldap-alice' or diag $tr;
open my $rcfh, '<', $lenv->{userconfig} or die $!;
my $npmrc = do { local $/; <$rcfh> };
my ($ltoken) = $npmrc =~ m{^\Q@{[nerf($ldaplogin)]}\E:_authToken=(tsr_\S+)$}m;
ok $ltoken, 'npm keeps a registry token for the Location';
unlike $npmrc, qr/\Q$pw{'ldap-alice'}\E|_auth=|_password/,
       'and never the directory password';
($rc, $out) = run_npm($lenv, $work, 'whoami', "--registry=$ldaplogin");
is $rc, 0, 'npm whoami with that token' or diag $out;
like $out, qr/^ldap-alice$/m, 'npm says ldap-alice';
my $lpkg = unique('ldap-login');
mkpath("$work/$lpkg");
write_file("$work/$lpkg/package.json", qq({"name": "$lpkg", "version": "1.0.0", )
    . qq("main": "index.js", "license": "MIT", "description": "after login"}\n));
write_file("$work/$lpkg/index.js", "module.exports = 1;\n");
($rc, $out) = run_npm($lenv, "$work/$lpkg", 'publish', "--registry=$ldaplogin");
is $rc, 0, 'npm publish with the token from the directory login' or diag $out;
$doc = json_of(req(GET => "$ldaplogin$lpkg", token => $ltoken)) || {};
is $doc->{versions}{'1.0.0'}{_npmUser}{name}, 'ldap-alice',
   'published as ldap-alice';
my $none = `@{[admin_cmd()]} token create ldap-alice 2>&1`;
like $none, qr/no user ldap-alice/,
     'and ldap-alice was never made a registry user';

my $wrong = npm_env('ldap-login-wrong');
($ok, $tr) = npm_adduser($wrong, $ldaplogin, 'ldap-alice', 'not-her-pw');
ok !$ok, 'npm login with a wrong directory password fails';
like $tr, qr/Incorrect or missing password/i, 'npm says the password is wrong';
open my $w, '<', $wrong->{userconfig} or die $!;
unlike do { local $/; <$w> }, qr/_authToken/, 'and keeps no token';
# Only the directory is asked here: a registry user's own password does
# not log in, whether the name is also a directory member's (carol) or not.
my $stranger_name = unique('regonly');
adduser($npm, $stranger_name, 'regonly-pw-2');
my $senv = npm_env('ldap-login-stranger');
($ok, $tr) = npm_adduser($senv, $ldaplogin, $stranger_name, 'regonly-pw-2');
ok !$ok, 'a user only the registry knows cannot log in there';
like $tr, qr/Incorrect or missing password/i, 'npm says why';
$res = login($ldaplogin, 'ldap-carol', 'ldap-carol-registry-pw');
is $res->code, 401, 'a member\'s registry password is not her directory one: 401';
$res = login($ldaplogin, 'ldap-carol', $pw{'ldap-carol'});
is $res->code, 201, 'her directory password is';
# bob's password is right, but the Location's Require refuses him before
# any token is minted; no AuthType here, so Apache says 403.
$res = login($ldaplogin, 'ldap-bob', $pw{'ldap-bob'});
is $res->code, 403, 'a directory user outside the group cannot log in: 403';
ok !(json_of($res) || {})->{token}, 'and gets no token';

# ---- npm's web login, checked by the directory ----
my ($wres, $wlogin, $wdone) = web_start($ldaplogin);
is $wres->code, 200, 'web login: npm starts one under Require ldap-group';
is web_form($wlogin, { user => 'ldap-carol', password => $pw{'ldap-carol'} })
       ->code, 200, 'a member signs in on the page with her directory password';
my $wtoken = (json_of(req(GET => $wdone)) || {})->{token};
is json_of(req(GET => "${ldaplogin}-/whoami", token => $wtoken))->{username},
   'ldap-carol', 'and npm gets her token';
($wres, $wlogin, $wdone) = web_start($ldaplogin);
$res = web_form($wlogin, { user => 'ldap-bob', password => $pw{'ldap-bob'} });
is $res->code, 403, 'a directory user outside the group: 403 on the page';
like $res->content, qr/may not use this registry/, 'which says so';
is req(GET => $wdone)->code, 202, 'and npm gets no token';

my $slapd_pid = $ldap->pid;
$ldap->stop;
ok !kill(0, $slapd_pid), 'slapd is stopped and reaped at the end';
