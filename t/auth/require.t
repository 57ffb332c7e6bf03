# Registry tokens are Apache users: Require valid-user, Require user,
# Require group, Require expr and AuthType Basic work on every registry
# URL, tarballs included, with the configs of docs/access-control.md; the
# access log's %u names the user.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use MIME::Base64 qw(encode_base64);
use Time::HiRes qw(sleep);
use TsciTest qw(base_url req json_of adduser publish unique);

Apache::Test::plan(tests => 58, have_lwp);

my $cfg = Apache::Test::config();
my $access_log = $cfg->{vars}{t_logs} . '/access_log';

# The access-log lines of requests whose line contains $needle.
sub log_lines {
    my $needle = shift;
    sleep 0.2;      # the log is written after the response
    open my $fh, '<', $access_log or return ();
    return grep { index($_, $needle) >= 0 } <$fh>;
}

# ---- A private registry: Require valid-user ----
my $private = base_url('/private/');
my $user = unique('priv');
my $token = adduser($private, $user, 'priv-pass-1');
ok $token, 'logging in stays open under Require valid-user';
my $pkg = unique('secret');
my $res = publish($private, $token, name => $pkg, version => '1.0.0');
is $res->code, 201, 'a logged-in user publishes';
my $tgz_url = "$private$pkg/-/$pkg-1.0.0.tgz";

for my $path ('', '-/ping', $pkg, "$pkg/1.0.0", "$pkg/-/$pkg-1.0.0.tgz",
              "$pkg/latest") {
    $res = req(GET => "$private$path");
    is $res->code, 401, "anonymous GET /private/$path: 401";
}
like $res->header('WWW-Authenticate'), qr/^Bearer realm=/,
     'a Bearer challenge (npm: "log in again")';
like json_of($res) && json_of($res)->{error}, qr/logged in/,
     'the 401 body is JSON with an error npm prints';
is req(HEAD => $tgz_url)->code, 401, 'anonymous HEAD of a tarball: 401';

for my $path ('', $pkg, "$pkg/1.0.0", "$pkg/-/$pkg-1.0.0.tgz") {
    $res = req(GET => "$private$path", token => $token);
    is $res->code, 200, "GET /private/$path with a token: 200";
}
$res = req(GET => $tgz_url, token => $token,
           headers => { 'X-Probe' => 'x' });
ok length $res->content > 20, 'the tarball comes with a token';
$res = req(GET => "${private}-/whoami", token => $token);
is json_of($res)->{username}, $user, 'whoami under Require valid-user';

$res = req(GET => $tgz_url, token => 'tsr_not-a-token');
is $res->code, 401, 'a bad token: 401';
like $res->header('WWW-Authenticate'), qr/^Bearer/, 'with a Bearer challenge';

my @lines = log_lines("GET /private/$pkg/-/$pkg-1.0.0.tgz");
ok scalar(grep { / \Q$user\E \[/ } @lines) >= 2,
   'the access log names the user for tarball requests (%u)';
@lines = log_lines("GET /private/$pkg HTTP");
ok scalar(grep { / \Q$user\E \[/ } @lines) >= 1,
   'and for packument requests';
ok scalar(grep { / - \[.* 401 / } @lines) >= 1,
   'an anonymous request is logged without a user';
# Where no Require asks for a user, a valid token still names one.
my $open = base_url('/npm/');
my $opkg = unique('logged');
is publish($open, $token, name => $opkg, version => '1.0.0')->code, 201,
   'published on the open Location';
is req(GET => "$open$opkg/-/$opkg-1.0.0.tgz", token => $token)->code, 200,
   'a tarball with a token there';
@lines = log_lines("GET /npm/$opkg/-/$opkg-1.0.0.tgz");
ok scalar(grep { / \Q$user\E \[/ } @lines) >= 1,
   'the access log names the user without any Require too';

# ---- Require user: one user only ----
my $only = base_url('/only/');
my $owner_token = adduser($only, 'onlyowner', 'only-pass-1');
my $other_token = adduser($only, unique('intruder'), 'intruder-pass-1');
is req(GET => $only, token => $owner_token)->code, 200,
   'Require user: that user gets in';
is req(GET => $only, token => $other_token)->code, 403,
   'another user is forbidden';
is req(GET => $only)->code, 401, 'no one: 401';
$res = publish($only, $owner_token, name => unique('only'),
               version => '1.0.0');
is $res->code, 201, 'the one user publishes';
$res = publish($only, $other_token, name => unique('only'),
               version => '1.0.0');
is $res->code, 403, 'the other does not';

# ---- Readable by all, writable by a group ----
my $team = base_url('/team/');
my $writer = adduser($team, 'teamwriter', 'team-pass-1');
my $reader = adduser($team, unique('teamreader'), 'team-pass-2');
my $tpkg = unique('teampkg');
$res = publish($team, undef, name => $tpkg, version => '1.0.0');
is $res->code, 401, 'group registry: anonymous publish is 401';
$res = publish($team, $reader, name => $tpkg, version => '1.0.0');
is $res->code, 403, 'a user outside the group: 403';
$res = publish($team, $writer, name => $tpkg, version => '1.0.0');
is $res->code, 201, 'a member of the group publishes';
is req(GET => "$team$tpkg")->code, 200, 'anyone reads the packument';
is req(GET => "$team$tpkg/-/$tpkg-1.0.0.tgz")->code, 200,
   'anyone reads the tarball';
is req(GET => "$team$tpkg", token => $reader)->code, 200,
   'a logged-in non-member reads too';

# ---- Require expr on the user ----
my $expr = base_url('/expr/');
my $boss = adduser($expr, 'exprboss', 'expr-pass-1');
my $clerk = adduser($expr, unique('exprclerk'), 'expr-pass-2');
is req(GET => $expr, token => $boss)->code, 200,
   'Require expr: the user it names';
# The expression names a user: Apache asks another one to authenticate.
is req(GET => $expr, token => $clerk)->code, 401, 'another: 401';
is req(GET => $expr)->code, 401, 'no one: 401';

# ---- AuthType Basic beside tokens ----
my $basic = base_url('/basic/');
my $good = 'Basic ' . encode_base64('basicuser:basic-pass-1', '');
my $bad = 'Basic ' . encode_base64('basicuser:wrong', '');
$res = req(GET => $basic);
is $res->code, 401, 'Basic: no credentials is 401';
like $res->header('WWW-Authenticate'), qr/^Basic realm="registry"/,
     'with mod_auth_basic\'s challenge';
is req(GET => $basic, headers => { Authorization => $bad })->code, 401,
   'a wrong password: 401';
is req(GET => $basic, headers => { Authorization => $good })->code, 200,
   'Apache\'s own user gets in';
$res = req(GET => "${basic}-/whoami", headers => { Authorization => $good });
is $res->code, 200, 'whoami with Basic';
is json_of($res)->{username}, 'basicuser',
   'the registry trusts the user Apache authenticated';
my $bpkg = unique('basicpkg');
$res = req(PUT => "$basic$bpkg", headers => { Authorization => $good },
           body => TsciTest::publish_body(name => $bpkg, version => '1.0.0'));
is $res->code, 201, 'an htpasswd user publishes';
$res = req(GET => "$basic$bpkg", headers => { Authorization => $good });
like $res->content, qr/"_npmUser":\{"name":"basicuser"/,
     'as that user';
$res = req(PUT => "$basic$bpkg", headers => { Authorization => $bad },
           body => TsciTest::publish_body(name => $bpkg, version => '1.0.1'));
is $res->code, 401, 'not with a wrong password';
is req(GET => "$basic$bpkg", token => $token)->code, 200,
   'a registry token works there too';
is req(GET => "$basic$bpkg", token => 'tsr_bogus')->code, 401,
   'a bad token does not';

# ---- A Basic header the registry was not asked to check means nobody ----
# Where no AuthType is configured nothing verifies Basic credentials: the
# registry must not take the name in them for a user.
my $npm = base_url('/npm/');
my $forged = 'Basic ' . encode_base64("$user:any-password", '');
$res = req(GET => "${npm}-/whoami", headers => { Authorization => $forged });
is $res->code, 401, 'an unchecked Basic header is not a login';
$res = req(PUT => "$npm" . unique('forged'),
           headers => { Authorization => $forged },
           body => TsciTest::publish_body(name => 'x', version => '1.0.0'));
is $res->code, 401, 'and publishes nothing';

# ---- On a public registry the token still names the user ----
my $pub_token = adduser($npm, unique('pubuser'), 'pub-pass-1');
$res = req(GET => "${npm}-/ping", token => $pub_token);
is $res->code, 200, 'public registry: ping with a token';
my $ping_user = (split /\s+/, (log_lines('GET /npm/-/ping'))[-1] // '')[2];
ok $ping_user && $ping_user ne '-',
   'the access log names the token\'s user on a public registry';
is req(GET => "${npm}-/ping", token => 'tsr_bogus')->code, 200,
   'a bad token on a public read is anonymous, not refused';

# ---- The real npm client against the private registry ----
SKIP: {
    skip 'npm is not installed', 3
        unless system('npm --version >/dev/null 2>&1') == 0;
    my $env = TsciTest::npm_env('private');
    (my $nerf = $private) =~ s{^https?:}{};
    open my $fh, '>>', $env->{userconfig} or die $!;
    print $fh "$nerf:_authToken=$token\n";
    close $fh;
    my ($rc, $out) = TsciTest::run_npm($env, $env->{home}, 'view', $pkg,
                                       'version', "--registry=$private");
    is $rc, 0, 'npm view with a token under Require valid-user'
        or diag $out;
    like $out, qr/^1\.0\.0$/m, 'npm sees the version';
    my $anon = TsciTest::npm_env('private-anon');
    ($rc, $out) = TsciTest::run_npm($anon, $anon->{home}, 'view', $pkg,
                                    "--registry=$private");
    like $out, qr/E401|401 Unauthorized/,
         'npm without a token is told to log in';
}
