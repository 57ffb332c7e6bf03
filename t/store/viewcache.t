# Each Apache process keeps hot package records in memory; a write in any
# process makes every process's copy stale at once.  Rounds of a publish
# (or a tag move) followed by reads on fresh connections, which the
# prefork MPM spreads over its processes and the event MPM over threads:
# no read ever shows the state before the write.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use LWP::UserAgent;
use TsciTest qw(base_url json_of adduser publish unique req);

Apache::Test::plan(tests => 4, have_lwp);

my $base = base_url('/npm/');
my $tok = adduser($base, unique('vc'), 'vc-pass-1');
my $pkg = unique('hot');
# A new connection for every read: no keep-alive.
my $ua = LWP::UserAgent->new(keep_alive => 0, timeout => 30);
my $ABBREV = 'application/vnd.npm.install-v1+json';

my ($stale, $reads) = (0, 0);
for my $round (0 .. 14) {
    my $v = "1.0.$round";
    publish($base, $tok, name => $pkg, version => $v)->code == 201
        or die "publish $v";
    for my $accept ('application/json', $ABBREV) {
        for (1 .. 4) {
            my $d = json_of($ua->get("$base$pkg", Accept => $accept));
            $reads++;
            $stale++ unless $d && ($d->{'dist-tags'}{latest} // '') eq $v;
        }
    }
}
is $stale, 0, "$reads reads right after publishes: none stale";

($stale, $reads) = (0, 0);
for my $round (0 .. 9) {
    my $v = '1.0.' . ($round % 15);
    req(PUT => "${base}-/package/$pkg/dist-tags/moving", token => $tok,
        body => "\"$v\"")->code == 201 or die "tag $v";
    for (1 .. 4) {
        my $d = json_of($ua->get("${base}-/package/$pkg/dist-tags"));
        $reads++;
        $stale++ unless $d && ($d->{moving} // '') eq $v;
        $d = json_of($ua->get("$base$pkg"));
        $reads++;
        $stale++ unless $d && ($d->{'dist-tags'}{moving} // '') eq $v;
    }
}
is $stale, 0, "$reads reads right after tag moves: none stale";

# An unpublished package is gone at once everywhere.
my $rev = json_of(req(GET => "$base$pkg"))->{_rev};
is req(DELETE => "$base$pkg/-rev/$rev", token => $tok)->code, 200,
   'unpublished';
my @codes = map { $ua->get("$base$pkg")->code } 1 .. 8;
is_deeply \@codes, [(404) x 8], 'and every process says 404 at once';
