# tsci login from outside, request by request as the CLI sends them
# (spec/tscircuit-api.md 4.6, 7.2): a login page is created, polled with
# its own token, signed in on (the module's page, with a password, or
# with a session), and exchanged once for a session token: JWT-shaped,
# with the claims the CLI decodes, an ordinary token for npm as well, and
# refused everywhere once /sessions/delete has ended it.  Every refusal:
# no token, a wrong one, an unknown page, an exchanged one, one nobody
# signed in on, an expired one, a wrong password, a read-only token, too
# many pages at once; and the flow where Require wants a user.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use MIME::Base64 qw(decode_base64url);
use JSON::PP ();
use TsciTest qw(base_url req json_of adduser unique web_form);

Apache::Test::plan(tests => 107, have_lwp);

my $api = base_url('/api/');
my $npm = base_url('/npm/');
my $user = unique('tl');
my $pass = 'tsci-login-pw';
my $user_token = adduser($npm, $user, $pass);

sub post {
    my ($at, $path, $body, %o) = @_;
    return req(POST => "$at$path", body => $body // {}, %o);
}

sub code_of {
    my $d = json_of(shift);
    return $d && ref $d->{error} ? $d->{error}{error_code} : undef;
}

# A new login page at $at: (response, page).
sub create {
    my $at = shift // $api;
    my $res = post($at, 'sessions/login_page/create');
    my $d = json_of($res) || {};
    return ($res, $d->{login_page});
}

sub poll {
    my ($at, $page, $token) = @_;
    return post($at, 'sessions/login_page/get',
                { login_page_id => $page->{login_page_id} },
                token => $token // $page->{login_page_auth_token});
}

sub exchange {
    my ($at, $page, $token) = @_;
    return post($at, 'sessions/login_page/exchange_for_cli_session',
                { login_page_id => $page->{login_page_id} },
                token => $token // $page->{login_page_auth_token});
}

sub claims {
    my @parts = split /\./, shift, -1;
    return undef unless @parts == 3 && !grep { !length } @parts;
    return eval { JSON::PP->new->decode(decode_base64url($parts[1])) };
}

# ---- create ----

my ($res, $page) = create();
is $res->code, 200, 'create: 200';
ok json_of($res)->{ok}, 'create: ok';
like $page->{login_page_id}, qr/^[A-Za-z0-9_-]{22}$/, 'a page id';
like $page->{login_page_auth_token}, qr/^[A-Za-z0-9_-]{43}$/,
     'and its token, a secret of 256 bits';
is $page->{url}, "${api}sessions/login_page/web/$page->{login_page_id}",
   'the url is the module\'s own page, by id alone (no secret in it)';
ok !$page->{was_login_successful} && !$page->{is_expired}
   && !$page->{has_been_used_to_create_session},
   'nobody signed in, not expired, not used';
ok $page->{created_at} lt $page->{expires_at}, 'it expires later';
is $res->header('Cache-Control'), 'no-store', 'never cached';
$res = req(GET => "${api}sessions/login_page/create");
is $res->code, 405, 'create is a POST';
is $res->header('Allow'), 'POST', 'Allow says so';

# ---- get: the poll ----

$res = poll($api, $page);
is $res->code, 200, 'get with the page token: 200';
my $seen = json_of($res)->{login_page};
ok !$seen->{was_login_successful}, 'nobody signed in yet';
ok !exists $seen->{login_page_auth_token}, 'the token is not repeated';
is $seen->{login_page_id}, $page->{login_page_id}, 'the same page';
$res = req(GET => "${api}sessions/login_page/get?login_page_id="
                  . $page->{login_page_id},
           token => $page->{login_page_auth_token});
is $res->code, 200, 'get works as a GET with a query too';
$res = post($api, 'sessions/login_page/get',
            { login_page_id => $page->{login_page_id},
              login_page_auth_token => $page->{login_page_auth_token} });
is $res->code, 200, 'and with the token as a parameter';
$res = post($api, 'sessions/login_page/get',
            { login_page_id => $page->{login_page_id} });
is $res->code, 401, 'no page token: 401';
is code_of($res), 'unauthorized', 'error_code unauthorized';
my (undef, $other) = create();
$res = poll($api, $page, $other->{login_page_auth_token});
is $res->code, 404, 'another page\'s token: 404';
is code_of($res), 'login_page_not_found', 'login_page_not_found';
$res = poll($api, $page, $user_token);
is $res->code, 404, 'a user\'s token is no page token either';
$res = poll($api, { login_page_id => 'A' x 22 },
            $page->{login_page_auth_token});
is $res->code, 404, 'an unknown page: 404';
$res = post($api, 'sessions/login_page/get', {},
            token => $page->{login_page_auth_token});
is $res->code, 400, 'no login_page_id: 400';
is code_of($res), 'validation_error', 'a validation_error';

# ---- exchange before anyone signed in ----

$res = exchange($api, $page);
is $res->code, 400, 'exchange before a sign-in: 400';
is code_of($res), 'login_page_not_used', 'login_page_not_used';
is poll($api, $page)->code, 200, 'and the page is still there';

# ---- the page, and its password ----

$res = req(GET => $page->{url});
is $res->code, 200, 'the page: 200';
like $res->header('Content-Type'), qr{^text/html}, 'HTML';
like $res->content, qr{<code>tsci login</code> command}, 'it names tsci login';
like $res->content, qr{<form method="post">}, 'with a form';
like $res->header('Content-Security-Policy'), qr/default-src 'none'/,
     'under the same policy as npm\'s page';
$res = web_form($page->{url}, { user => $user, password => 'wrong' });
is $res->code, 401, 'a wrong password: 401';
like $res->content, qr/Incorrect user name or password/, 'the page says so';
ok !json_of(poll($api, $page))->{login_page}{was_login_successful},
   'and nobody is signed in';
$res = web_form($page->{url}, { user => unique('nobody'), password => 'x' });
is $res->code, 401, 'an unknown user: the same 401';
$res = web_form($page->{url}, { user => $user, password => $pass });
is $res->code, 200, 'the right password: 200';
like $res->content, qr/signed in as \Q$user\E\.  Return to the terminal: tsci login finishes there/,
     'the page sends the person back to tsci';
$seen = json_of(poll($api, $page))->{login_page};
ok $seen->{was_login_successful}, 'the poll sees the sign-in';
$res = web_form($page->{url}, { user => $user, password => $pass });
is $res->code, 409, 'a second sign-in on the page: 409';

# ---- exchange: the session ----

$res = exchange($api, $page, $other->{login_page_auth_token});
is $res->code, 404, 'exchange with another page\'s token: 404';
$res = exchange($api, $page);
is $res->code, 200, 'exchange: 200';
my $s = json_of($res)->{session};
my $token = $s->{token};
like $token, qr/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/,
     'the token is JWT-shaped, its third part 256 random bits';
my $c = claims($token);
is $c->{tscircuit_handle}, $user, 'claim tscircuit_handle: the user';
is $c->{account_id}, $s->{account_id}, 'claim account_id: the session\'s';
is $c->{session_id}, $s->{session_id}, 'claim session_id: the session\'s';
ok exists $c->{github_username} && !defined $c->{github_username},
   'claim github_username: null';
is $s->{account_id}, 'account_' . MIME::Base64::encode_base64url($user),
   'the account id is the user\'s';
ok $s->{is_cli_session}, 'a CLI session';
is $res->header('Cache-Control'), 'no-store', 'never cached';
$res = exchange($api, $page);
is $res->code, 404, 'a second exchange: 404';
is code_of($res), 'login_page_not_found', 'the page is gone';
is poll($api, $page)->code, 404, 'and so is its poll';

# ---- the session token everywhere ----

$res = req(GET => "${npm}-/whoami", token => $token);
is $res->code, 200, 'the session token is an npm token';
is json_of($res)->{username}, $user, 'npm whoami says the user';
$res = post($api, 'accounts/get', {}, token => $token);
is $res->code, 200, 'accounts/get with it: 200';
is json_of($res)->{account}{tscircuit_handle}, $user, 'the account';
my $listed = json_of(req(GET => "${npm}-/npm/v1/tokens", token => $token));
ok scalar(grep { $_->{token} eq 'jwt.' . substr((split /\./, $token)[2], 0, 4) }
          @{ $listed->{objects} }),
   'npm token list shows it by the start of its secret';

# ---- sessions/delete ----

is req(GET => "${api}sessions/delete", token => $token)->code, 405,
   'sessions/delete is no GET';
$res = post($api, 'sessions/delete', {});
is $res->code, 401, 'sessions/delete needs a session';
$res = post($api, 'sessions/delete', {}, token => $token);
is $res->code, 200, 'sessions/delete: 200';
ok json_of($res)->{ok}, 'ok';
$res = post($api, 'accounts/get', {}, token => $token);
is $res->code, 401, 'after it the token is refused: 401';
is code_of($res), 'session_expired', 'with session_expired, as the CLI reads';
like $res->header('WWW-Authenticate'), qr/^Bearer/, 'and a Bearer challenge';
is req(GET => "${npm}-/whoami", token => $token)->code, 401,
   'npm refuses it too';
$res = req(DELETE => "${api}sessions/delete", token => $token);
is $res->code, 401, 'ending it again (DELETE): 401';
is code_of($res), 'session_expired', 'session_expired';
$res = req(POST => "${api}sessions/login_page/get", token => 'a.b.c',
           body => {});
is $res->code, 400,
   'an open route serves a bad token as no user (its 400 is the missing id)';
$res = post($api, 'accounts/get', {}, token => 'tsr_nosuchtoken');
is code_of($res), 'unauthorized', 'a token that never was a session: unauthorized';

# ---- login_with_session ----

($res, $page) = create();
$res = post($api, 'sessions/login_page/login_with_session',
            { login_page_id => $page->{login_page_id} });
is $res->code, 401, 'login_with_session needs a session';
$res = post($api, 'sessions/login_page/login_with_session',
            { login_page_id => $page->{login_page_id},
              login_page_auth_token => $other->{login_page_auth_token} },
            token => $user_token);
is $res->code, 404, 'with another page\'s token: 404';
my $ro = json_of(req(POST => "${npm}-/npm/v1/tokens", token => $user_token,
                     body => { password => $pass, readonly => JSON::PP::true }))
         ->{token};
$res = post($api, 'sessions/login_page/login_with_session',
            { login_page_id => $page->{login_page_id} }, token => $ro);
is $res->code, 403, 'a read-only token may not make a full session: 403';
ok !json_of(poll($api, $page))->{login_page}{was_login_successful},
   'and the page waits';
$res = post($api, 'sessions/login_page/login_with_session',
            { login_page_id => $page->{login_page_id},
              login_page_auth_token => $page->{login_page_auth_token} },
            token => $user_token);
is $res->code, 200, 'login_with_session with a session: 200';
ok json_of($res)->{login_page}{was_login_successful}, 'the page is signed in';
$res = post($api, 'sessions/login_page/login_with_session',
            { login_page_id => $page->{login_page_id} },
            token => $user_token);
is $res->code, 409, 'again: 409';
is code_of($res), 'login_page_already_used', 'login_page_already_used';
$res = exchange($api, $page);
is $res->code, 200, 'the CLI gets its session';
is claims(json_of($res)->{session}{token})->{tscircuit_handle}, $user,
   'for the user who signed in';
$res = post($api, 'sessions/login_page/login_with_session',
            { login_page_id => 'B' x 22 }, token => $user_token);
is $res->code, 404, 'an unknown page: 404';

# ---- expiry (pages of /api-quick/ live 3 s) ----

my $quick = base_url('/api-quick/');
($res, $page) = create($quick);
my (undef, $page2) = create($quick);
web_form($page2->{url}, { user => $user, password => $pass });
sleep 4;
$res = poll($quick, $page);
is $res->code, 200, 'an expired page still answers its poll';
ok json_of($res)->{login_page}{is_expired}, 'with is_expired, so tsci stops';
$res = exchange($quick, $page2);
is $res->code, 400, 'exchange of an expired page, even signed in: 400';
is code_of($res), 'login_page_expired', 'login_page_expired';
$res = post($quick, 'sessions/login_page/login_with_session',
            { login_page_id => $page->{login_page_id} }, token => $user_token);
is $res->code, 400, 'login_with_session on an expired page: 400';
is code_of($res), 'login_page_expired', 'login_page_expired';
$res = web_form($page->{url}, { user => $user, password => $pass });
is $res->code, 404, 'its form: 404';
like $res->content, qr/Run tsci login again/, 'saying to run tsci login again';

# ---- too many at once: the bound npm's web login has, shared ----

my $n = 0;
do { ($res) = create($quick); $n++ } while $res->code == 200 && $n < 40;
is $res->code, 429, 'pages from one address are bounded: 429';
ok $n <= 31, "within 30 ($n)";
is code_of($res), 'too_many_logins', 'too_many_logins';
is $res->header('Retry-After'), 3, 'Retry-After: the page lifetime';
is req(POST => "${npm}-/v1/login", body => {})->code, 429,
   'npm\'s web login counts the same pages';
# Let them go (3 s and as long again) before anything else logs in.
sleep 7;
($res) = create($quick);
is $res->code, 200, 'once they expired, a new page';

# ---- where Require wants a user ----

my $private = base_url('/api-private/');
is post($private, 'accounts/get', {})->code, 401,
   'Require valid-user: accounts/get needs a user';
($res, $page) = create($private);
is $res->code, 200, 'the CLI creates a page anonymously';
is poll($private, $page)->code, 200, 'polls it with the page token';
is req(GET => $page->{url})->code, 200, 'the page is there';
is web_form($page->{url}, { user => $user, password => 'wrong' })->code, 401,
   'a wrong password: 401';
is web_form($page->{url}, { user => $user, password => $pass })->code, 200,
   'a user signs in';
$res = exchange($private, $page);
is $res->code, 200, 'the CLI exchanges it anonymously';
$token = json_of($res)->{session}{token};
$res = post($private, 'accounts/get', {}, token => $token);
is $res->code, 200, 'and the session opens the API';
is json_of($res)->{account}{email}, "$user\@example.com",
   'one\'s own account shows its email';

my $only = base_url('/api-only/');
($res, $page) = create($only);
$res = web_form($page->{url}, { user => $user, password => $pass });
is $res->code, 403, 'Require user onlyowner: another user is refused, 403';
like $res->content, qr/may not use this registry/, 'on a page saying so';
is exchange($only, $page)->code, 400, 'and the CLI gets no session';
