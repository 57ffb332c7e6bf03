# npm's token commands (/-/npm/v1/tokens): list, create (the password
# again; read-only; limited to address ranges), revoke by listed key or by
# token; a limited token refused from other addresses, behind a proxy
# too (mod_remoteip); the plain token kept nowhere; the real npm's
# "npm token list/create/revoke".
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use File::Find ();
use JSON::PP ();
use File::Path qw(mkpath);
use TsciTest qw(base_url req json_of adduser publish unique data_dir t_var
                npm_env run_npm store_state
                npm_token_env);

Apache::Test::plan(tests => 68, have_lwp);

my $base = base_url('/npm/');
my $tokens = "${base}-/npm/v1/tokens";
my $user = unique('tok');
my $pass = 'tok-pass-1';
my $login = adduser($base, $user, $pass);
my @minted = ($login);

sub list {
    my $t = shift;
    my $res = req(GET => $tokens, token => $t);
    return ($res, json_of($res));
}

sub create {
    my ($t, %body) = @_;
    my $res = req(POST => $tokens, token => $t, body => \%body);
    my $d = json_of($res);
    push @minted, $d->{token} if $d && $d->{token};
    return ($res, $d);
}

# ---- list ----
my ($res, $d) = list($login);
is $res->code, 200, 'GET /-/npm/v1/tokens';
is scalar @{ $d->{objects} }, 1, 'one token: the login\'s';
my $o = $d->{objects}[0];
like $o->{key}, qr/^[0-9a-f]{64}$/, 'listed by key';
is $o->{token}, substr($login, 0, 8), 'shown by its first characters';
is $o->{readonly}, JSON::PP::false, 'readonly false';
is_deeply $o->{cidr_whitelist}, [], 'no address ranges';
like $o->{created}, qr/^\d{4}-\d\d-\d\dT/, 'created';
is $d->{urls}{next}, '', 'one page (npm stops at an empty next)';
unlike $res->content, qr/\Q$login\E/, 'the token itself is not in the list';
like $res->header('Cache-Control'), qr/private/, 'a private answer';
is req(GET => $tokens)->code, 401, 'anonymous: 401';

# ---- create ----
($res, $d) = create($login, password => 'wrong', name => undef);
is $res->code, 401, 'a wrong password: 401';
ok !$d->{token}, 'and no token';
($res, $d) = create($login, name => undef);
is $res->code, 400, 'no password: 400';
($res, $d) = create($login, password => $pass, name => undef);
is $res->code, 201, 'the password again: a new token';
my $t2 = $d->{token};
like $t2, qr/^tsr_/, 'the token comes once, in the answer';
like $d->{key}, qr/^[0-9a-f]{64}$/, 'with its key';
is json_of(req(GET => "${base}-/whoami", token => $t2))->{username}, $user,
   'it is the user\'s';
($res, $d) = list($login);
is scalar @{ $d->{objects} }, 2, 'two tokens listed';

($res, $d) = create($login, password => $pass, readonly => JSON::PP::true,
                    name => 'ci-reader');
is $res->code, 201, 'a read-only token (readonly: true in the body)';
my $ro = $d->{token};
is $d->{readonly}, JSON::PP::true, 'said read-only';
my $pkg = unique('tokpkg');
is publish($base, $ro, name => $pkg, version => '1.0.0')->code, 403,
   'it cannot publish';
is req(GET => $base, token => $ro)->code, 200, 'it reads';
($res, $d) = create($ro, password => $pass);
is $res->code, 403, 'nor make tokens';
($res, $d) = list($login);
my ($named) = grep { ($_->{name} // '') eq 'ci-reader' } @{ $d->{objects} };
ok $named && $named->{readonly}, 'listed with its name, read-only';

# ---- address ranges ----
($res, $d) = create($login, password => $pass,
                    cidr_whitelist => ['10.0.0.0/8']);
is $res->code, 201, 'a token for 10.0.0.0/8';
is_deeply $d->{cidr_whitelist}, ['10.0.0.0/8'], 'the answer names it';
my $far = $d->{token};
is publish($base, $login, name => $pkg, version => '1.0.0')->code, 201,
   '(a package to read)';
for my $path ($pkg, "$pkg/-/$pkg-1.0.0.tgz", '-/whoami') {
    $res = req(GET => "$base$path", token => $far);
    is $res->code, 403, "GET $path from 127.0.0.1 with it: 403";
}
like json_of($res)->{error}, qr/may not be used from 127\.0\.0\.1/,
     'saying why';
my $before = store_state($base, $pkg);
is publish($base, $far, name => $pkg, version => '1.0.1')->code, 403,
   'no publish either';
is store_state($base, $pkg), $before, 'and nothing changed';
($res, $d) = create($login, password => $pass,
                    cidr_whitelist => ['127.0.0.0/8', '::1/128']);
my $near = $d->{token};
is req(GET => "${base}-/whoami", token => $near)->code, 200,
   'a token for 127.0.0.0/8 works from here';

# Behind a proxy, the address mod_remoteip gives is the one that counts.
my $proxied = base_url('/npm/', 'tsci_proxied');
is req(GET => "${proxied}-/whoami", token => $far,
       headers => { 'X-Forwarded-For' => '10.9.8.7' })->code, 200,
   'through the proxy for 10.9.8.7: the 10/8 token works';
is req(GET => "${proxied}-/whoami", token => $far,
       headers => { 'X-Forwarded-For' => '192.0.2.7' })->code, 403,
   'for 192.0.2.7: refused';
is req(GET => "${proxied}-/whoami", token => $near,
       headers => { 'X-Forwarded-For' => '10.9.8.7' })->code, 403,
   'the 127/8 token refused for a client the proxy says is 10.9.8.7';

for my $bad (['10.0.0.0/33'], ['example.com/8'], ['10.0.0.1'], '10.0.0.0/8',
             [('10.0.0.0/8') x 17]) {
    ($res, $d) = create($login, password => $pass, cidr_whitelist => $bad);
    is $res->code, 400, 'bad ranges: 400 ('
        . (ref $bad ? scalar(@$bad) . ': ' . $bad->[0] : $bad) . ')';
}
($res, $d) = create($login, password => $pass, name => 'n' x 129);
is $res->code, 400, 'a name over 128 characters: 400';
$res = req(POST => $tokens, token => $login,
           body => { password => $pass, pad => 'x' x (65 * 1024) });
is $res->code, 413, 'a body over 64 KB: 413';

# ---- revoke ----
my $other = unique('other');
my $other_login = adduser($base, $other, 'other-pass-1');
push @minted, $other_login;
($res, $d) = list($other_login);
my $other_key = $d->{objects}[0]{key};
$res = req(DELETE => "$tokens/token/$other_key", token => $login);
is $res->code, 404, 'another user\'s token by key: 404';
$res = req(DELETE => "$tokens/token/$other_login", token => $login);
is $res->code, 404, 'or by the token itself: 404';
is req(GET => "${base}-/whoami", token => $other_login)->code, 200,
   'and it still works';
$res = req(DELETE => "$tokens/token/$other_key", token => $ro);
is $res->code, 403, 'a read-only token revokes nothing';

($res, $d) = list($login);
my ($k2) = map { $_->{key} } grep { $_->{token} eq substr($t2, 0, 8) }
    @{ $d->{objects} };
$res = req(DELETE => "$tokens/token/$k2", token => $login);
is $res->code, 200, 'revoke by key';
is req(GET => "${base}-/whoami", token => $t2)->code, 401,
   'the token no longer works (every process forgot it)';
$res = req(DELETE => "$tokens/token/$near", token => $login);
is $res->code, 200, 'revoke by the token itself';
is req(GET => "${base}-/whoami", token => $near)->code, 401, 'gone too';
$res = req(DELETE => "$tokens/token/$k2", token => $login);
is $res->code, 404, 'revoking again: 404';
($res, $d) = list($login);
is scalar(grep { $_->{key} eq $k2 } @{ $d->{objects} }), 0,
   'the list no longer has it';

# npm logout puts the token in the URL: it works, and no log keeps it
# (checked at the end).
is req(DELETE => "${base}-/user/token/$ro")->code, 200, 'npm logout\'s URL';
is req(GET => "${base}-/whoami", token => $ro)->code, 401,
   'revokes the token it names';

# ---- a user of Apache's providers makes tokens with that password ----
my $pwfile = base_url('/pwfile/');
my $fres = req(PUT => "${pwfile}-/user/org.couchdb.user:basicuser",
               body => { name => 'basicuser', password => 'basic-pass-1' });
my $ftok = json_of($fres)->{token};
push @minted, $ftok;
$res = req(POST => "${pwfile}-/npm/v1/tokens", token => $ftok,
           body => { password => 'basic-pass-1' });
is $res->code, 201, 'an htpasswd user makes a token with the file\'s password';
push @minted, json_of($res)->{token};
$res = req(POST => "${pwfile}-/npm/v1/tokens", token => $ftok,
           body => { password => 'not-it' });
is $res->code, 401, 'not with another';

# ---- the real npm ----
SKIP: {
    skip 'npm is not installed', 8
        unless system('npm --version >/dev/null 2>&1') == 0;
    my $env = npm_token_env('tokens', $base, $login);
    my $work = t_var() . '/npm-tokens-work';
    mkpath($work);
    my ($rc, $out) = run_npm($env, $work, 'token', 'list',
                             "--registry=$base");
    is $rc, 0, 'npm token list' or diag $out;
    like $out, qr/\Q@{[ substr($login, 0, 8) ]}\E/,
         'shows the login\'s token by its first characters';
    ($rc, $out) = run_npm($env, $work, 'token', 'create',
                          "--password=$pass", '--cidr=127.0.0.0/8',
                          "--registry=$base");
    is $rc, 0, 'npm token create --cidr' or diag $out;
    my ($made) = $out =~ /(tsr_[A-Za-z0-9_-]{43})/;
    ok $made, 'prints the new token';
    push @minted, $made if $made;
    like $out, qr{127\.0\.0\.0/8}, 'with its range';
    ($res, $d) = list($login);
    my ($mk) = map { $_->{key} } grep {
        $made && $_->{token} eq substr($made, 0, 8) } @{ $d->{objects} };
    ($rc, $out) = run_npm($env, $work, 'token', 'revoke',
                          substr($mk // 'none', 0, 10), "--registry=$base");
    is $rc, 0, 'npm token revoke <id prefix>' or diag $out;
    like $out, qr/Removed 1 token/, 'npm says so';
    is req(GET => "${base}-/whoami", token => $made)->code, 401,
       'the token is gone';
}

# ---- no plain token anywhere on the server ----
my @found;
my $logs = Apache::Test::vars('t_logs');
File::Find::find({ no_chdir => 1, wanted => sub {
    return unless -f $_;
    open my $fh, '<:raw', $_ or return;
    my $data = do { local $/; <$fh> };
    for my $t (grep { defined } @minted) {
        push @found, $_ if index($data, $t) >= 0;
    }
} }, data_dir(), $logs);
is_deeply \@found, [], 'no token in the data directory or the logs';
