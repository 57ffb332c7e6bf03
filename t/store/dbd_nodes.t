# Two nodes on one SQL store under load: two Apaches share a private
# PostgreSQL (through mod_dbd) and one data directory.  Writers publish
# new versions of one package through both nodes at once, and new
# packages too; node A's children are killed again and again meanwhile.
# Afterwards every publish a node acknowledged is there, read through the
# other node: in the packument, and as a tarball with the bytes that were
# sent; no version was lost to the other node's concurrent write, and the
# change sequence has no gap a reader could fall into.  Failed sign-ins
# count across the nodes.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use File::Path qw(rmtree);
use Digest::SHA qw(sha1_hex);
use Time::HiRes qw(time sleep);
use JSON::PP ();
use LWP::UserAgent ();
use POSIX ();
use TsciTest qw(main_store_independent t_var own_apache spare_port adduser unique req json_of
                make_tarball publish_body children_of);
use TsciPG;

my $pg = TsciPG::needed();
Apache::Test::plan(tests => 16, Apache::Test::need(have_lwp,
    main_store_independent("two nodes on a cluster of its own"), $pg));

my ($a, $b, $conn) = TsciPG::two_nodes(
    tag => 'nodes', ports => [2, 3], conf => <<'EOC');
# Each process keeps views (less than the SQL store's default), and
# looks at the changes feed for other nodes' writes every 100 ms.
TsciRegistryViewCache 4194304
# Three failed sign-ins a user, whichever nodes they reach.
TsciRegistryLoginLimit 3 100
EOC
ok $a->{up} && $b->{up}, 'two nodes on one database';

my $token = adduser($a->{base}, unique('nodes'), 'nodes-pass-123');
ok $token, 'a user, made on A';
my $pkg = unique('contended');
my $json = JSON::PP->new->canonical;
my $log = t_var() . '/nodes-acked';
unlink glob "$log.*";

# A writer: publishes through $base for $secs, one version of the
# contended package and one new package per round, and logs what the node
# acknowledged ("name version sha1").
sub writer {
    my ($w, $base, $secs) = @_;
    my $pid = fork // die "fork: $!";
    return $pid if $pid;
    my $ua = LWP::UserAgent->new(timeout => 20, keep_alive => 1);
    open my $out, '>>', "$log.$w" or POSIX::_exit(1);
    $out->autoflush(1);
    my $end = time + $secs;
    for (my $n = 0; time < $end; $n++) {
        for my $it ([$pkg, "1.$w.$n"], ["$pkg-$w-$n", '1.0.0']) {
            my ($name, $version) = @$it;
            my $tgz = make_tarball(name => $name, version => $version,
                                   index => "module.exports = '$w/$n';\n");
            my $r = HTTP::Request->new(PUT => "$base$name");
            $r->header(Authorization => "Bearer $token");
            $r->header('Content-Type' => 'application/json');
            $r->content($json->encode(publish_body(
                name => $name, version => $version, tarball => $tgz)));
            my $res = $ua->request($r);
            print $out "$name $version ", sha1_hex($tgz), "\n"
                if $res->is_success;
        }
    }
    POSIX::_exit(0);
}

my @pids = (writer(1, $a->{base}, 12), writer(2, $a->{base}, 12),
            writer(3, $b->{base}, 12), writer(4, $b->{base}, 12));
# The storm: node A's children killed every 0.7 s for 10 s.
my $kills = 0;
my $until = time + 10;
while (time < $until) {
    sleep 0.7;
    my @kids = children_of($a->{pid}->() // 0);
    $kills += kill 'KILL', @kids;
}
waitpid $_, 0 for @pids;
ok $kills > 0, "node A's children were killed $kills times";

my @acked;
for my $f (glob "$log.*") {
    open my $fh, '<', $f or next;
    push @acked, map { chomp; [split / /] } <$fh>;
}
my @contended = grep { $_->[0] eq $pkg } @acked;
ok scalar(grep { $_->[1] =~ /^1\.[12]\./ } @contended) > 0
   && scalar(grep { $_->[1] =~ /^1\.[34]\./ } @contended) > 0,
   sprintf('both nodes acknowledged versions of one package (%d in all)',
           scalar @contended);

# Everything read through B, once B's view of the changes (at most 100 ms
# behind A) has caught up.
sleep 1;
my $doc = json_of(req(GET => "$b->{base}$pkg"));
my @missing = grep { !$doc->{versions}{$_->[1]} } @contended;
is scalar @missing, 0, 'no acknowledged version of the contended package '
   . 'was lost' or diag join ' ', map { $_->[1] } @missing[0 .. 9];
my $bad = 0;
for my $c (@contended) {
    my $v = $doc->{versions}{$c->[1]} or next;
    $bad++ if ($v->{dist}{shasum} // '') ne $c->[2];
}
is $bad, 0, 'each with the digest of the bytes that were sent';
my ($lost, $wrong) = (0, 0);
for my $p (grep { $_->[0] ne $pkg } @acked) {
    my $d = json_of(req(GET => "$b->{base}$p->[0]"));
    if (!$d || !$d->{versions}{'1.0.0'}) { $lost++; next }
    my $res = req(GET => $d->{versions}{'1.0.0'}{dist}{tarball});
    $wrong++ unless $res->code == 200 && sha1_hex($res->content) eq $p->[2];
}
is $lost, 0, sprintf 'every acknowledged new package is there (%d)',
   scalar(grep { $_->[0] ne $pkg } @acked);
is $wrong, 0, 'and its tarball is the bytes that were sent';

# The change sequence, followed page by page as a mirror does: numbers
# strictly rising, ending where GET / says the sequence is.
my $meta = json_of(req(GET => $b->{base}));
my ($since, @seq) = (0);
for (1 .. 100) {
    my $page = json_of(req(GET => "$b->{base}_changes?since=$since&limit=500"));
    my @r = @{ $page->{results} || [] };
    last unless @r;
    push @seq, map { $_->{seq} } @r;
    $since = $page->{last_seq};
}
ok @seq > 0 && !grep({ $seq[$_] <= $seq[$_ - 1] } 1 .. $#seq),
   sprintf 'the changes feed rises strictly (%d rows)', scalar @seq;
is $since, $meta->{update_seq}, 'and ends where GET / says the sequence is';
ok req(GET => "$a->{base}-/ping")->code == 200, 'node A serves after the storm';

# Failed sign-ins are counted in the database: two on A and one on B make
# three, and then neither node checks even the right password.
my $victim = unique('guessed');
adduser($a->{base}, $victim, 'the-right-pass-1');
sub login {
    my ($node, $pass) = @_;
    return req(PUT => "$node->{base}-/user/org.couchdb.user:$victim",
               body => { name => $victim, password => $pass })->code;
}
is login($a, 'wrong-1') . login($a, 'wrong-2') . login($b, 'wrong-3'),
   '401401401', 'three wrong passwords, through both nodes';
my $res = req(PUT => "$b->{base}-/user/org.couchdb.user:$victim",
              body => { name => $victim, password => 'the-right-pass-1' });
is $res->code, 429, 'then B refuses even the right one';
ok $res->header('Retry-After') > 0, 'saying when to try again';
is login($a, 'the-right-pass-1'), 429, 'and so does A';
is TsciPG::psql($conn, "SELECT failures FROM tsr_login_failures "
                . "WHERE key = 'u:$victim'"), '3',
   'the count is a row of the database';
