# The web login's limits and secrets: wrong passwords on its page count
# as the legacy login's do (one count for both, TsciRegistryLoginLimit,
# 429 with Retry-After); one client address (one IPv6 /64) may leave only
# so many sign-ins waiting; a sign-in expires (TsciRegistryWebLoginTimeout);
# ids that are unknown or mixed up get 404; and neither the poll's secret
# nor a token it gave reaches a log or rests in the store.  The
# tsci_proxied server trusts X-Forwarded-For from loopback (limits 5 per
# user, 20 per address), so each part speaks for addresses of its own.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use File::Find ();
use TsciTest qw(base_url req json_of adduser unique data_dir slurp
                web_start web_form);

Apache::Test::plan(tests => 44, have_lwp);

my $base = base_url('/npm/');
my $proxied = base_url('/npm/', 'tsci_proxied');
my $logs = Apache::Test::vars('t_logs');
my (@secrets, @tokens);

sub start {
    my @r = web_start($_[0], 0, @_[1 .. $#_]);
    push @secrets, $r[2] =~ m{/([^/]+)$} if $r[2];
    return @r;
}

sub form {
    my ($url, $user, $pass, $from) = @_;
    return web_form($url, { user => $user, password => $pass },
                    $from ? ('X-Forwarded-For' => $from) : ());
}

sub collect {
    my $done = shift;
    my $res = req(GET => $done);
    my $t = (json_of($res) || {})->{token};
    push @tokens, $t if $t;
    return ($res->code, $t);
}

# Lines matching $re in a log.  Apache writes the access log after the
# response has gone, so a line may come a moment later: look again for up
# to 2 s before saying there is none.
sub log_has {
    my ($file, $re) = @_;
    for (1 .. 20) {
        my $n = grep { /$re/ } split /\n/, slurp("$logs/$file");
        return $n if $n;
        select undef, undef, undef, 0.1;
    }
    return 0;
}

my $user = unique('wsec');
my $pass = 'wsec-pass-1';
is req(PUT => "${proxied}-/user/org.couchdb.user:$user",
       headers => { 'X-Forwarded-For' => '10.20.0.1' },
       body => { name => $user, password => $pass })->code, 201,
   'a user signs up';

# ---- wrong passwords: the legacy login's count ----
my ($res, $login, $done) = start($proxied, 'X-Forwarded-For' => '10.20.0.2');
my @codes = map { form($login, $user, "wrong-$_", '10.20.0.2')->code } 1 .. 5;
is "@codes", '401 401 401 401 401', 'five wrong passwords on the page: 401';
$res = form($login, $user, $pass, '10.20.0.2');
is $res->code, 429, 'the sixth try, with the right password: 429';
ok(($res->header('Retry-After') // 0) > 800
       && $res->header('Retry-After') <= 900,
   'Retry-After: the rest of the 15 minutes');
like $res->content,
     qr{role="alert">Too many failed sign-ins for this user or from this address: try again in 15 minutes\.<},
     'the form again, saying why';
like $res->content, qr{<form method="post">}, 'to try later';
is req(GET => $done)->code, 202, 'npm keeps waiting';
is req(PUT => "${proxied}-/user/org.couchdb.user:$user",
       headers => { 'X-Forwarded-For' => '10.20.0.3' },
       body => { name => $user, password => $pass })->code, 429,
   'and the legacy login of that user is held too: one count';
ok log_has('error_log', qr/:warn\].*TSR00031: failed sign-in for \Q$user\E/),
   'the failures are logged at warn, as the legacy login\'s';

# Failures at the legacy login count on the page as well.
my $other = unique('wsec2');
is req(PUT => "${proxied}-/user/org.couchdb.user:$other",
       headers => { 'X-Forwarded-For' => '10.20.1.1' },
       body => { name => $other, password => 'other-pass-1' })->code, 201,
   'another user signs up';
req(PUT => "${proxied}-/user/org.couchdb.user:$other",
    headers => { 'X-Forwarded-For' => '10.20.1.2' },
    body => { name => $other, password => "bad-$_" }) for 1 .. 5;
($res, $login, $done) = start($proxied, 'X-Forwarded-For' => '10.20.1.3');
is form($login, $other, 'other-pass-1', '10.20.1.3')->code, 429,
   'after five legacy failures, the page is held for that user';

# ---- how many may wait, per address ----
my $addr = '198.51.100.' . (1 + $$ % 250);
my @waiting = map { [start($proxied, 'X-Forwarded-For' => $addr)] } 1 .. 30;
@codes = map { $_->[0]->code } @waiting;
is "@codes", join(' ', (200) x 30), '30 sign-ins may wait from one address';
($res) = start($proxied, 'X-Forwarded-For' => $addr);
is $res->code, 429, 'the 31st: 429 (npm then falls back to its prompts)';
is json_of($res)->{code}, 'too_many_logins', 'saying why';
like $res->header('Retry-After') // '', qr/^\d+$/, 'with Retry-After';
is((start($proxied, 'X-Forwarded-For' => '198.51.100.251'))[0]->code, 200,
   'another address is not held');
ok log_has('error_log', qr/:warn\].*TSR00073: web login refused.*\Q$addr\E/),
   'the refusal is logged at warn';
# One finished makes room.
my (undef, $l1, $d1) = @{ $waiting[0] };
is form($l1, $user . 'x', 'none', '10.20.2.1')->code, 401, '(a failure)';
adduser($base, my $fin = unique('wfin'), 'wfin-pass-1');
is form($l1, $fin, 'wfin-pass-1', '10.20.2.2')->code, 200, 'one is signed in';
is((collect($d1))[0], 200, 'and collected');
is((start($proxied, 'X-Forwarded-For' => $addr))[0]->code, 200,
   'which makes room for one more');

# An IPv6 client has a whole /64 to pick addresses from: it counts as one.
my $net = sprintf '2001:db8:%x:1', $$ % 65536;
@codes = map {
    (start($proxied, 'X-Forwarded-For' => sprintf('%s::%x', $net, $_)))[0]
        ->code
} 1 .. 30;
is "@codes", join(' ', (200) x 30), '30 from 30 addresses of one /64';
is((start($proxied, 'X-Forwarded-For' => "$net:ffff::1"))[0]->code, 429,
   'the 31st from yet another address of it: 429');
is((start($proxied, 'X-Forwarded-For' => sprintf('2001:db8:%x:2::1',
                                                 $$ % 65536)))[0]->code,
   200, 'the next /64 is not held');

# ---- expiry (TsciRegistryWebLoginTimeout 3 at /quick/) ----
my $quick = base_url('/quick/');
my $qu = unique('wquick');
adduser($base, $qu, 'wquick-pass-1');
($res, $login, $done) = start($quick);
my (undef, $login2, $done2) = start($quick);
is req(GET => $login)->code, 200, 'a page that lives 3 seconds';
is form($login2, $qu, 'wquick-pass-1')->code, 200,
   'another signed in, not collected yet';
sleep 4;
is req(GET => $login)->code, 404, 'expired: the page is 404';
is req(GET => $done)->code, 404, 'and the poll';
is form($login, $qu, 'wquick-pass-1')->code, 404, 'nobody signs in there';
is((collect($done2))[0], 404, 'signed in but not collected in time: 404');

# ---- unknown and mixed-up ids ----
($res, $login, $done) = start($base);
my (undef, undef, $done3) = start($base);
my ($id) = $login =~ m{/([^/]+)$};
my ($secret3) = $done3 =~ m{/([^/]+)$};
my ($id3) = $done3 =~ m{/done/([^/]+)/};
$res = req(GET => "${base}-/v1/login/web/AAAAAAAAAAAAAAAAAAAAAA");
is $res->code, 404, 'an id nobody was given: 404';
like $res->content, qr{<h1>Sign-in not found</h1>}, 'a page saying so';
is req(GET => "${base}-/v1/login/web/short")->code, 404, 'not an id: 404';
is req(GET => "${base}-/v1/login/done/$id/$id")->code, 404,
   'the page\'s id as the secret: 404';
is req(GET => "${base}-/v1/login/done/$id/$secret3")->code, 404,
   'another sign-in\'s secret: 404';
is req(GET => "${base}-/v1/login/done/$id3/" . ('A' x 43))->code, 404,
   'a made-up secret: 404';
is req(GET => $done)->code, 202, 'the sign-in itself still waits';
is req(GET => $done3)->code, 202, 'and so does the other';

# ---- secrets and tokens: not in the logs, not in the store ----
($res, $login, $done) = start($base);
form($login, $qu, 'wquick-pass-1');
my (undef, $token) = collect($done);
like $token, qr/^tsr_/, 'a token collected';
my ($did, $dsecret) = $done =~ m{/done/([^/]+)/([^/]+)$};
ok log_has('access_log',
           qr{"GET /npm/-/v1/login/done/\Q$did\E/\Q${\ substr($dsecret, 0, 4)}\E\.\.\. HTTP/1\.1" 200 }),
   'the access log shows the poll with the secret cut to 4 characters';
my $access = slurp("$logs/access_log") . slurp("$logs/error_log");
is scalar(grep { index($access, $_) >= 0 } @secrets), 0,
   'no poll secret in the access or error log (' . scalar(@secrets) . ' made)';
is scalar(grep { index($access, $_) >= 0 } @tokens), 0,
   'no token either (' . scalar(@tokens) . ' given)';
my ($in_store_secret, $in_store_token) = (0, 0);
File::Find::find({ no_chdir => 1, wanted => sub {
    return unless -f $_;
    open my $fh, '<:raw', $_ or return;
    my $data = do { local $/; <$fh> };
    $in_store_secret += grep { index($data, $_) >= 0 } @secrets;
    $in_store_token += grep { index($data, $_) >= 0 } @tokens;
} }, data_dir());
is $in_store_secret, 0, 'no poll secret in plain text in the data directory';
is $in_store_token, 0, 'no token from a web login there either';
