# The real tsci CLI (@tscircuit/cli from the npm registry, on Bun) logs in
# to the registry as a person does it: tsci login prints the address of
# the module's sign-in page and polls; headless Chromium signs in there
# with the user's password; tsci collects its session token and stores it
# with the claims it decoded from it.  Then tsci auth whoami shows the
# account, the stored token works as npm's token (the real npm client),
# tsci login again sees it is logged in, and once the session is ended
# (/sessions/delete) tsci no longer finds the account.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use JSON::PP ();
use TsciTest qw(base_url req json_of adduser unique slurp tsci_missing
                tsci_env run_tsci tsci_start browser_missing browser_signin
                npm_token_env run_npm client_not_prefork);

# As for the other clients: in CI a missing client fails the file, since a
# suite that quietly skips it proves nothing; elsewhere it is skipped.
my $missing = tsci_missing() // browser_missing();
if ($missing && $ENV{CI}) {
    print "1..1\nnot ok 1 - $missing\n";
    exit 1;
}
Apache::Test::plan(tests => 23, $missing ? Apache::Test::skip_reason($missing)
    : Apache::Test::need(have_lwp, client_not_prefork('tsci')));

my $api = base_url('/api/');
my $npm = base_url('/npm/');
my $user = unique('tsci');
my $pass = 'tsci-cli-password';
adduser($npm, $user, $pass);
my $env = tsci_env('tsci-login', $api);

my $run = tsci_start($env, 120, 'login');
my $url = $run->{wait_for}->(
    qr/Please visit the following URL to log in:\s*\n(https?:\S+)/);
like $url, qr{^\Q${api}\Esessions/login_page/web/[A-Za-z0-9_-]{22}$},
     'tsci login prints the module\'s sign-in page';
like req(GET => $url)->content, qr{<code>tsci login</code> command},
     'which says tsci login started it';

my ($report, $why) = browser_signin($url, { user => $user,
                                            password => $pass });
ok $report, 'Chromium signed in on it' or diag $why;
is $report->{status}, 200, 'the page opened';
is $report->{heading}, 'Sign in', 'a sign-in form';
is $report->{attempts}[0]{status}, 200, 'the password was taken';
is $report->{attempts}[0]{heading}, 'Signed in', 'and the page says so';

my ($status, $out) = $run->{finish}->();
is $status, 0, 'tsci login exits 0' or diag $out;
like $out, qr/Logged in! Generating token\.\.\./, 'it saw the sign-in';
like $out, qr/Ready to use!/, 'and has its token';

my $cfg = eval { JSON::PP->new->decode(slurp($env->{config})) } || {};
my $token = $cfg->{sessionToken} // '';
like $token, qr/^[\w-]+\.[\w-]+\.[\w-]+$/, 'tsci stored a JWT-shaped token';
is $cfg->{tscircuitHandle}, $user, 'and the handle it decoded from it';
like $cfg->{accountId} // '', qr/^account_/, 'and the account id';
ok $cfg->{sessionId}, 'and the session id';
like slurp("$env->{home}/.npmrc"),
     qr{^//npm\.tscircuit\.com/:_authToken=\Q$token\E$}m,
     'it wrote the token to ~/.npmrc (for its own npm host)';

($status, $out) = run_tsci($env, 'auth', 'whoami');
is $status, 0, 'tsci auth whoami exits 0';
like $out, qr/TscHandle:\s+\@\Q$user\E\b/, 'and prints the handle';
like $out, qr/Email:\s+\Q$user\E\@example\.com/, 'and the email';

my $nenv = npm_token_env('tsci-login', $npm, $token);
my $out_npm;
($status, $out_npm) = run_npm($nenv, $env->{dir}, 'whoami',
                              "--registry=$npm");
is $status, 0, 'npm whoami with the token tsci stored' or diag $out_npm;
like $out_npm, qr/^\Q$user\E$/m, 'npm says the user';

($status, $out) = run_tsci($env, 'login');
like $out, qr/Already logged in as .*\@\Q$user\E/,
     'tsci login again: already logged in';

is req(POST => "${api}sessions/delete", body => {}, token => $token)->code,
   200, 'the session ended';
($status, $out) = run_tsci($env, 'auth', 'whoami');
unlike $out, qr/TscHandle:\s+\@\Q$user\E\b/,
       'tsci auth whoami no longer finds the account';
