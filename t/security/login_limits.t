# Failed sign-ins are limited per user and per client address, in memory
# that all of Apache's children share (logins, token creation and Basic
# with the registry's own users alike), answered 429 with Retry-After and
# logged at warn; a user name that does not exist costs the same time as
# a wrong password.  The tsci_proxied server trusts X-Forwarded-For from
# loopback, so each test speaks for addresses of its own, and its limits
# are low (TsciRegistryLoginLimit 5 20).
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use MIME::Base64 qw(encode_base64);
use Time::HiRes qw(time);
use TsciTest qw(base_url req json_of adduser unique);

Apache::Test::plan(tests => 21, have_lwp);

my $base = base_url('/npm/', 'tsci_proxied');
# Where nobody signs up, so a name nobody has is a failed sign-in.
my $closed = base_url('/closed/', 'tsci_proxied');
my $errlog = Apache::Test::vars('t_logs') . '/error_log';

sub login {
    my ($user, $pass, $from, $at) = @_;
    $at //= $base;
    return req(PUT => "${at}-/user/org.couchdb.user:$user",
               headers => { 'X-Forwarded-For' => $from },
               body => { name => $user, password => $pass });
}

sub log_has {
    my $re = shift;
    open my $fh, '<', $errlog or return 0;
    return scalar grep { /$re/ } <$fh>;
}

# ---- per user ----
my $alice = unique('lim-alice');
is login($alice, 'alice-pass-1', '10.0.0.1')->code, 201, 'alice signs up';
for my $i (1 .. 5) {
    is login($alice, "wrong-$i", '10.0.0.1')->code, 401,
       "wrong password $i: 401";
}
my $res = login($alice, 'alice-pass-1', '10.0.0.1');
is $res->code, 429, 'the sixth try, with the right password: 429';
like $res->header('Retry-After'), qr/^\d+$/, 'with Retry-After';
ok $res->header('Retry-After') > 800 && $res->header('Retry-After') <= 900,
   'about the rest of the 15 minutes';
like json_of($res)->{error}, qr/too many failed sign-ins.*try again in 15 minutes/,
     'saying why, in words npm prints';
is login($alice, 'alice-pass-1', '10.0.0.2')->code, 429,
   'from another address too: the user is held';
my $bob = unique('lim-bob');
is login($bob, 'bob-pass-1', '10.0.0.1')->code, 201,
   'another user from the same address is not';
ok log_has(qr/\[[^\]]*:warn\].*TSR00031: failed sign-in for \Q$alice\E/),
   'failures are logged at warn';
ok log_has(qr/\[[^\]]*:warn\].*TSR00036: sign-in of \Q$alice\E not tried/),
   'and the refusals';

# ---- per address ----
for my $i (1 .. 20) {
    login(unique('nobody'), 'guess', '10.0.1.1', $closed);
}
$res = login($bob, 'bob-pass-1', '10.0.1.1');
is $res->code, 429, 'after 20 failures from one address, even a good login';
is login($bob, 'bob-pass-1', '10.0.1.2')->code, 201,
   'from the next address, bob logs in';

# ---- token creation counts too ----
# Signing up is no failure, but this test's own requests must not speak
# for 127.0.0.1, whose count the rest of the suite adds to.
my $carl = unique('lim-carl');
my $ctok = json_of(login($carl, 'carl-pass-1', '10.0.2.5'))->{token};
for my $i (1 .. 5) {
    req(POST => "${base}-/npm/v1/tokens", token => $ctok,
        headers => { 'X-Forwarded-For' => '10.0.2.1' },
        body => { password => "nope-$i" });
}
$res = req(POST => "${base}-/npm/v1/tokens", token => $ctok,
           headers => { 'X-Forwarded-For' => '10.0.2.9' },
           body => { password => 'carl-pass-1' });
is $res->code, 429, 'five wrong passwords for a new token: the sixth is 429';

# ---- Basic with the registry's own users (AuthBasicProvider tsci-registry)
# on the main server, whose limits are the defaults (10 per user) ----
my $ownbasic = base_url('/ownbasic/');
my $dan = unique('lim-dan');
adduser(base_url('/npm/'), $dan, 'dan-pass-1');
my $good = 'Basic ' . encode_base64("$dan:dan-pass-1", '');
is req(GET => "${ownbasic}-/whoami", headers => { Authorization => $good })
       ->code, 200, 'Basic works';
for my $i (1 .. 10) {
    req(GET => "${ownbasic}-/whoami",
        headers => { Authorization => 'Basic '
                                      . encode_base64("$dan:bad$i", '') });
}
is req(GET => "${ownbasic}-/whoami", headers => { Authorization => $good })
       ->code, 401, 'after ten wrong Basic passwords, the right one is refused';

# ---- an unknown user costs what a wrong password costs ----
# Fifty users, each tried once with a wrong password, against fifty names
# nobody has, alternately and each from an address of its own (so no
# limit is reached), where signup is off: the medians must be within 20%
# of each other.
my @known = map { unique('lim-t') } 1 .. 50;
for my $i (0 .. 49) {
    my $c = login($known[$i], 'timing-pass-1', "10.3.$i.1")->code;
    die "signup of $known[$i]: $c" unless $c == 201;
}
my (@wrong, @unknown);
for my $i (0 .. 49) {
    my $t0 = time;
    my $c1 = login($known[$i], 'not-the-password', "10.1.$i.1", $closed)
                 ->code;
    my $t1 = time;
    my $c2 = login(unique('lim-ghost'), 'not-the-password', "10.2.$i.1",
                   $closed)->code;
    my $t2 = time;
    die "unexpected $c1/$c2" unless $c1 == 401 && $c2 == 401;
    push @wrong, $t1 - $t0;
    push @unknown, $t2 - $t1;
}
sub median { my @s = sort { $a <=> $b } @_; return $s[@s / 2]; }
my ($mw, $mu) = (median(@wrong), median(@unknown));
diag sprintf 'median wrong password %.1f ms, unknown user %.1f ms',
    1000 * $mw, 1000 * $mu;
ok $mu > 0.8 * $mw && $mu < 1.2 * $mw,
   'an unknown user costs what a wrong password does (medians within 20%)';
ok $mw > 0.01, 'and both cost a password hash (over 10 ms)';
