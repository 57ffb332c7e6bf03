# npm's web login, the way npm login and npm adduser sign in with no
# flags: the real npm client waits at the URL it printed while headless
# Chromium signs in on the registry's page (a wrong password first, where
# npm must keep waiting); then npm whoami names the user.  Around that, the
# protocol as npm reads it (the two URLs, 202 {} with Retry-After, the
# token once), the page's headers, the form's answers, signup on and off,
# TsciRegistryBaseURL, and Locations under Require valid-user and Require
# user.  t/security/weblogin.t has the limits, expiry and logs.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use File::Path qw(mkpath);
use TsciTest qw(base_url req json_of adduser unique npm_env run_npm t_var
                npm_web_start browser_missing browser_signin web_start
                web_form);

Apache::Test::plan(tests => 118, have_lwp);

my $base = base_url('/npm/');
my $user = unique('web');
my $pass = 'web-pass-1';
adduser($base, $user, $pass);

sub start { return web_start(@_) }

sub form {
    my ($url, %fields) = @_;
    return web_form($url, \%fields);
}

sub whoami {
    my ($at, $token) = @_;
    my $d = json_of(req(GET => "${at}-/whoami", token => $token));
    return $d ? $d->{username} : undef;
}

# ---- the protocol, step by step ----

my ($res, $login, $done) = start($base);
is $res->code, 200, 'POST /-/v1/login: 200';
is $res->header('Cache-Control'), 'no-store', 'not to be stored';
like $login, qr{^\Q$base\E-/v1/login/web/[A-Za-z0-9_-]{22}$},
     'loginUrl: a page of this registry';
my ($id) = $login =~ m{/([^/]+)$};
like $done, qr{^\Q$base\E-/v1/login/done/\Q$id\E/[A-Za-z0-9_-]{43}$},
     'doneUrl: the same sign-in, with a secret of its own';
my ($secret) = $done =~ m{/([^/]+)$};
ok index($login, $secret) < 0, 'the login URL does not hold the secret';

$res = req(GET => $login);
is $res->code, 200, 'the page: 200';
is $res->header('Content-Type'), 'text/html; charset=utf-8', 'HTML';
my $csp = $res->header('Content-Security-Policy') // '';
like $csp, qr/default-src 'none'/, 'a policy that loads and runs nothing...';
unlike $csp, qr/script-src|unsafe/, '...and names no script source';
like $csp, qr/form-action 'self'/, 'the form posts only to the registry';
is $res->header('Cache-Control'), 'no-store', 'not to be stored';
is $res->header('X-Frame-Options'), 'DENY', 'not to be framed';
like $res->content, qr{<label for="user">User name</label>}, 'a labelled user field';
like $res->content, qr{<label for="password">Password</label>}, 'a labelled password field';
unlike $res->content, qr{<script|https?://}i, 'no script, nothing from elsewhere';

$res = req(GET => $done);
is $res->code, 202, 'doneUrl while nobody signed in: 202';
is $res->content, '{}', 'with the JSON body npm needs';
is $res->header('Retry-After'), '1', 'and Retry-After: 1';
is $res->header('Cache-Control'), 'no-store', 'never cached';

$res = form($login, user => $user, password => 'wrong');
is $res->code, 401, 'wrong password: 401';
like $res->content, qr{role="alert">Incorrect user name or password\.<},
     'the form again, saying so';
like $res->content, qr{name="user"[^>]*value="\Q$user\E"}, 'with the name kept';
like $res->header('WWW-Authenticate') // '', qr/^Form /,
     'a challenge no browser answers with a password dialog';
is req(GET => $done)->code, 202, 'npm keeps waiting';

$res = form($login, user => $user, password => $pass);
is $res->code, 200, 'right password: 200';
like $res->content, qr{signed in as \Q$user\E\.  Return to the terminal},
     'the page says to return to the terminal';
is req(HEAD => $done)->code, 200, 'HEAD of doneUrl tells, without collecting';
$res = req(GET => $done);
is $res->code, 200, 'doneUrl: 200';
my $token = (json_of($res) || {})->{token} // '';
like $token, qr/^tsr_[A-Za-z0-9_-]{43}$/, 'a registry token';
is whoami($base, $token), $user, 'which is the user\'s';
$res = req(GET => $done);
is $res->code, 404, 'doneUrl a second time: 404';
is json_of($res)->{code}, 'login_not_found', 'the sign-in is gone';
is req(GET => $login)->code, 404, 'and so is its page';
is form($login, user => $user, password => $pass)->code, 404,
   'nobody signs in there any more';

# ---- the form's other answers ----

($res, $login, $done) = start($base);
$res = form($login, user => $user);
is $res->code, 400, 'no password: 400';
like $res->content, qr{role="alert">A password of 1 to 1024 characters is required\.<},
     'the form again, saying what is missing';
$res = req(POST => $login, body => { user => $user, password => $pass });
is $res->code, 400, 'not a form (JSON): 400';
$res = form($login, user => 'Not-A-Name', password => $pass);
is $res->code, 400, 'a name npm would not take: 400';
is req(GET => $done)->code, 202, 'still waiting after all of that';
is form($login, user => $user, password => $pass)->code, 200, 'then signed in';
my $user2 = unique('web2');
adduser($base, $user2, 'web2-pass-1');
$res = form($login, user => $user2, password => 'web2-pass-1');
is $res->code, 409, 'a second sign-in on the same page: 409';
like $res->content, qr/signed in on this page already/, 'saying so';
is whoami($base, json_of(req(GET => $done))->{token}), $user,
   'the first one decides whose token npm gets';

# npm login's page signs nobody up, even where signup is on.
my $nobody = unique('webnew');
($res, $login, $done) = start($base);
unlike req(GET => $login)->content, qr/name="email"/, 'login: no email field';
is form($login, user => $nobody, password => 'new-pass-1')->code, 401,
   'login with a name nobody has: 401';

# ---- npm adduser: signup on and off ----

($res, $login, $done) = start($base, 1);
is $res->code, 200, 'POST /-/v1/login {"create":true}: 200';
$res = req(GET => $login);
like $res->content, qr{<h1>Create your account</h1>}, 'a sign-up page';
like $res->content, qr{<label for="email">Email \(optional\)</label>}, 'asking for an email';
$res = form($login, user => $nobody, password => 'new-pass-1',
            email => "$nobody\@example.org");
is $res->code, 200, 'a new name signs up: 200';
like $res->content, qr{<h1>Account created</h1>}, 'saying so';
is whoami($base, json_of(req(GET => $done))->{token}), $nobody,
   'npm gets the new user\'s token';
ok adduser($base, $nobody, 'new-pass-1'), 'the account has that password';

my $closed = base_url('/closed/');
my $refused = unique('webno');
($res, $login, $done) = start($closed, 1);
$res = req(GET => $login);
like $res->content, qr/does not let new users sign up/,
     'signup off: the page says so';
unlike $res->content, qr/name="email"/, 'and asks for no email';
is form($login, user => $refused, password => 'no-pass-1')->code, 401,
   'a new name: 401, as the legacy adduser';
is req(PUT => "${closed}-/user/org.couchdb.user:$refused",
       body => { name => $refused, password => 'no-pass-1' })->code, 401,
   'and no such user was made';
is req(GET => $done)->code, 202, 'npm keeps waiting';
is form($login, user => $user, password => $pass)->code, 200,
   'an existing user signs in there';
is whoami($closed, json_of(req(GET => $done))->{token}), $user,
   'and npm gets that user\'s token';

# ---- where the URLs point ----

my $based = base_url('/based/');
($res, $login, $done) = start($based);
like $login, qr{^https://registry\.example\.test/pub/-/v1/login/web/[A-Za-z0-9_-]{22}$},
     'TsciRegistryBaseURL: the page on the public URL';
like $done, qr{^https://registry\.example\.test/pub/-/v1/login/done/},
     'and the poll too';
# A Host that does not name this server never makes the URLs (the page
# would send a person's password elsewhere): the server's own name does.
($res, $login) = start($base, 0, Host => 'npm.example.test:8080');
like $login, qr{^http://(?:127\.0\.0\.1|localhost):\d+/npm/-/v1/login/web/},
     'else the server\'s own name, never a foreign Host';

# ---- Require valid-user, Require user ----

my $private = base_url('/private/');
is req(GET => $private)->code, 401, 'the private registry is private';
($res, $login, $done) = start($private);
is $res->code, 200, 'Require valid-user: npm starts a web login anonymously';
is req(GET => $login)->code, 200, 'the page is there to sign in on';
is req(GET => $done)->code, 202, 'npm can wait';
is form($login, user => $user, password => 'wrong')->code, 401,
   'a wrong password: 401';
$res = form($login, user => $user, password => $pass);
is $res->code, 200, 'a user of the registry signs in';
is whoami($private, json_of(req(GET => $done))->{token}), $user,
   'and gets a token that opens the private registry';

# Readable by all, writable by a group: like the legacy login's
# /team/-/user/, a Location of its own lets everyone sign in.
my $team = base_url('/team/');
($res, $login, $done) = start($team);
is $res->code, 200, 'a web login where only a group writes';
is form($login, user => $user, password => $pass)->code, 200,
   'a user outside the group signs in (Require all granted there)';
is whoami($team, json_of(req(GET => $done))->{token}), $user,
   'and gets a token';

my $only = base_url('/only/');
($res, $login, $done) = start($only);
$res = form($login, user => $user, password => $pass);
is $res->code, 403, 'Require user onlyowner: another user is refused, 403';
like $res->content, qr/may not use this registry/, 'on a page saying so';
like $res->header('Content-Type'), qr{^text/html}, 'a page';
is req(GET => $done)->code, 202, 'npm gets no token';

# ---- the real npm client, a person in Chromium ----

my $why = browser_missing();
ok !$why || !$ENV{CI}, 'CI has Chromium and puppeteer-core'
    or diag $why;
my $work = t_var() . '/npm-web-work';
mkpath($work);

SKIP: {
    skip "no browser: $why", 41 if $why;

    # npm adduser: a new account, from the page.
    my $env = npm_env('web-adduser');
    my $new = unique('webnpm');
    my $npm = npm_web_start($env, $base, 'adduser');
    my $url = $npm->{url}->();
    like $url, qr{^\Q$base\E-/v1/login/web/[A-Za-z0-9_-]{22}$},
         'npm adduser prints the page to sign up on';
    my ($r, $err) = browser_signin($url, { user => $new,
        password => 'npm-web-pass-1', email => "$new\@example.org" });
    ok $r, 'Chromium signed up there' or diag $err;
    $r ||= { attempts => [{}] };
    is $r->{status}, 200, 'the page opened';
    is $r->{heading}, 'Create your account', 'a sign-up page';
    ok $r->{styled}, 'its style applied (allowed by its hash)';
    ok $r->{script_refused}, 'a script in the page does not run';
    ok $r->{script_runs_elsewhere}, '(the same script runs elsewhere)';
    is_deeply [grep { /style/i } @{ $r->{console} || [] }], [],
        'no complaint about the style';
    is $r->{attempts}[0]{status}, 200, 'signed up: 200';
    is $r->{attempts}[0]{heading}, 'Account created', 'the page says so';
    my ($rc, $out) = $npm->{finish}->();
    is $rc, 0, 'npm adduser exits 0' or diag $out;
    like $out, qr/Logged in on \Q$base\E/, 'saying it logged in';
    ($rc, $out) = run_npm($env, $work, 'whoami', "--registry=$base");
    is $rc, 0, 'npm whoami' or diag $out;
    is((split /\n/, $out)[-1], $new, 'names the new user');

    # npm login: a wrong password first, while npm waits.
    $env = npm_env('web-login');
    $npm = npm_web_start($env, $base, 'login');
    $url = $npm->{url}->();
    like $url, qr{^\Q$base\E-/v1/login/web/}, 'npm login prints the page';
    ($r, $err) = browser_signin($url, { user => $user,
                                        password => 'not-it' });
    ok $r, 'Chromium tried a wrong password' or diag $err;
    $r ||= { attempts => [{}] };
    is $r->{heading}, 'Sign in', 'a sign-in page';
    is $r->{attempts}[0]{status}, 401, 'wrong password: 401';
    is $r->{attempts}[0]{alert}, 'Incorrect user name or password.',
       'read out as an alert';
    ok $r->{attempts}[0]{form}, 'the form again';
    is $r->{attempts}[0]{user_field}, $user, 'with the name filled in';
    sleep 2;
    ok $npm->{running}->(), 'npm is still waiting';
    ($r, $err) = browser_signin($url, { user => $user, password => $pass });
    ok $r, 'Chromium signed in' or diag $err;
    $r ||= { attempts => [{}] };
    is $r->{attempts}[0]{status}, 200, 'right password: 200';
    is $r->{attempts}[0]{heading}, 'Signed in', 'signed in';
    like $r->{attempts}[0]{paragraph} // '',
         qr/signed in as \Q$user\E\.  Return to the terminal/,
         'and told to return to the terminal';
    ($rc, $out) = $npm->{finish}->();
    is $rc, 0, 'npm login exits 0' or diag $out;
    like $out, qr/Logged in on \Q$base\E/, 'saying it logged in';
    ($rc, $out) = run_npm($env, $work, 'whoami', "--registry=$base");
    is((split /\n/, $out)[-1], $user, 'npm whoami names the user');

    # Where Require valid-user guards everything else.
    $env = npm_env('web-private');
    $npm = npm_web_start($env, $private, 'login');
    $url = $npm->{url}->();
    like $url, qr{^\Q$private\E-/v1/login/web/},
         'Require valid-user: npm login still prints the page';
    ($r, $err) = browser_signin($url, { user => $user, password => $pass });
    ok $r, 'Chromium signed in' or diag $err;
    is $r && $r->{attempts}[0]{status}, 200, 'the page let the user in';
    ($rc, $out) = $npm->{finish}->();
    is $rc, 0, 'npm login exits 0' or diag $out;
    ($rc, $out) = run_npm($env, $work, 'whoami', "--registry=$private");
    is((split /\n/, $out)[-1], $user, 'npm whoami there names the user');

    # npm adduser where nobody new signs up: an existing user gets in.
    $env = npm_env('web-closed');
    $npm = npm_web_start($env, $closed, 'adduser');
    $url = $npm->{url}->();
    like $url, qr{^\Q$closed\E-/v1/login/web/},
         'signup off: npm adduser prints the page';
    ($r, $err) = browser_signin($url, { user => unique('webx'),
        password => 'webx-pass-1' });
    ok $r, 'Chromium tried a new name' or diag $err;
    is $r && $r->{attempts}[0]{status}, 401, 'refused: 401';
    ok $npm->{running}->(), 'npm is still waiting';
    ($r, $err) = browser_signin($url, { user => $user, password => $pass });
    is $r && $r->{attempts}[0]{status}, 200, 'an existing user signs in';
    ($rc, $out) = $npm->{finish}->();
    is $rc, 0, 'npm adduser exits 0' or diag $out;
    ($rc, $out) = run_npm($env, $work, 'whoami', "--registry=$closed");
    is((split /\n/, $out)[-1], $user, 'npm whoami names that user');
}
