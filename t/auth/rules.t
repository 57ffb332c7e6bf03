# Per-package rules (TsciRegistryPackageRule), with Apache's own authz
# providers as the requirements: in /rules/ (t/conf/extra.conf.in)
#   @rulesorg/secret-*  read: user teamwriter
#   @rulesorg/public-*  read: all granted (everyone)
#   @rulesorg/*         read: valid-user; publish: group publishers
#   internal-*          read and publish: user teamwriter
# The first matching rule decides; packages no rule names are as
# anywhere; rules never let anyone publish what the scope and maintainer
# rules refuse.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use IO::Socket::INET;
use TsciTest qw(base_url req json_of adduser publish unique store_state);

Apache::Test::plan(tests => 31, have_lwp);

my $base = base_url('/rules/');
my $admin = adduser($base, 'regadmin', 'regadmin-pass-1');
my $writer = adduser($base, 'teamwriter', 'team-pass-1');     # in publishers
my $dev = unique('rulesdev');
my $dtok = adduser($base, $dev, 'dev-pass-1');               # not in it
for my $m (['teamwriter', 'owner'], [$dev, 'developer']) {
    req(PUT => "${base}-/org/rulesorg/user", token => $admin,
        body => { user => $m->[0], role => $m->[1] });
}

# ---- publish: group publishers in @rulesorg/ ----
my $lib = '@rulesorg/' . unique('lib');
(my $esc = $lib) =~ s{/}{%2f};
my $before = store_state($base, $lib);
my $res = publish($base, $dtok, name => $lib, version => '1.0.0');
is $res->code, 403, 'a member outside the group: 403';
like json_of($res)->{error}, qr/rules do not let you/, 'saying the rules';
is store_state($base, $lib), $before, 'nothing stored';
is publish($base, $writer, name => $lib, version => '1.0.0')->code, 201,
   'a member of the group publishes';

# ---- read: valid-user in @rulesorg/ ----
my $tgz = "$base$lib/-/" . ($lib =~ s{.*/}{}r) . '-1.0.0.tgz';
for my $path ($esc, "$esc/1.0.0", "$esc/latest") {
    $res = req(GET => "$base$path");
    is $res->code, 401, "anonymous GET $path: 401";
}
like $res->header('WWW-Authenticate') // '', qr/^Bearer/, 'a Bearer challenge';
$res = req(GET => $tgz);
is $res->code, 401, 'anonymous tarball: 401';
like $res->header('WWW-Authenticate') // '', qr/^Bearer/, 'challenged';
is req(GET => "$base$esc", token => $dtok)->code, 200,
   'any logged-in user reads it';
is req(GET => $tgz, token => $dtok)->code, 200, 'and its tarball';

# ---- the first rule that matches decides ----
my $secret = '@rulesorg/secret-' . unique('x');
(my $sesc = $secret) =~ s{/}{%2f};
is publish($base, $writer, name => $secret, version => '1.0.0')->code, 201,
   'a secret-* package (published under the @rulesorg/* publish rule)';
is req(GET => "$base$sesc", token => $writer)->code, 200,
   'teamwriter reads it';
is req(GET => "$base$sesc", token => $dtok)->code, 403,
   'another logged-in user: 403 (user teamwriter, not valid-user)';
my $stgz = "$base$secret/-/" . ($secret =~ s{.*/}{}r) . '-1.0.0.tgz';
is req(GET => $stgz, token => $dtok)->code, 403, 'its tarball too';
is req(GET => "${base}-/package/$sesc/visibility", token => $dtok)->code,
   403, 'and its visibility';

# ---- everyone (all granted) before valid-user ----
my $open = '@rulesorg/public-' . unique('p');
(my $oesc = $open) =~ s{/}{%2f};
is publish($base, $writer, name => $open, version => '1.0.0')->code, 201,
   'a public-* package';
is req(GET => "$base$oesc")->code, 200,
   'anonymous reads it: "all granted" comes first';

# ---- read and publish in one rule; unscoped ----
my $internal = unique('internal-tool');
is publish($base, $dtok, name => $internal, version => '1.0.0')->code, 403,
   'internal-*: another user cannot publish';
is publish($base, $writer, name => $internal, version => '1.0.0')->code,
   201, 'teamwriter can';
is req(GET => "$base$internal")->code, 401, 'anonymous: 401';
is req(GET => "$base$internal", token => $dtok)->code, 403, 'dev: 403';
is req(GET => "$base$internal", token => $writer)->code, 200,
   'teamwriter: 200';

# ---- packages no rule names ----
my $free = unique('free');
is publish($base, $dtok, name => $free, version => '1.0.0')->code, 201,
   'a package no rule names: anyone publishes';
is req(GET => "$base$free")->code, 200, 'anyone reads';

# ---- rules narrow, never widen ----
is publish($base, $writer, name => $free, version => '1.0.1')->code, 403,
   'the group\'s member still cannot publish another\'s package';
my $other = '@' . $dev . '/mine';
is publish($base, $writer, name => $other, version => '1.0.0')->code, 403,
   'nor in another user\'s scope';

# The same package outside /rules/ is under no rule.
is req(GET => base_url('/npm/') . $sesc)->code, 200,
   'rules belong to their Location: /npm/ reads it';

# A refusal is the whole answer: nothing more is written after it on the
# connection, so the next request on it is answered as itself.
{
    my ($host, $port) = $base =~ m{^http://([^:/]+):(\d+)};
    (my $prefix = $base) =~ s{^http://[^/]+}{};
    my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port,
                                     Timeout => 10) or die "connect: $!";
    for my $path ("$prefix$esc", "$prefix$esc/1.0.0", "$prefix-/ping") {
        print $sock "GET $path HTTP/1.1\r\nHost: $host\r\n\r\n";
    }
    $sock->shutdown(1);
    local $/;
    my $all = <$sock>;
    # Cut the stream into responses by their Content-Length.
    my @statuses;
    while ($all =~ s{\AHTTP/1\.1 (\d{3}) .*?\r\n\r\n}{}s) {
        my $status = $1;
        my ($len) = $& =~ /^Content-Length: (\d+)/mi;
        substr($all, 0, $len // 0, '');
        push @statuses, $status;
    }
    is "@statuses", '401 401 200',
       'two refused reads and a ping on one connection: three answers';
    is length $all, 0, 'and nothing else';
}
