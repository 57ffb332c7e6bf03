# TsciPG: a private PostgreSQL cluster for the tests of the SQL store
# (TsciRegistryStore dbd).  It runs Debian's PostgreSQL as the test's own
# user through t/bin/pg-cluster: initdb under t/var, a Unix socket in a
# scratch directory and no TCP port, so that nothing meets another cluster
# on the machine; stopped when the test ends.
package TsciPG;

use strict;
use warnings;

use Apache::Test ();
use File::Path ();
use TsciTest ();

my %started;    # dir => 1, for END
my @nodes;      # Apaches two_nodes started, stopped before the clusters

sub script {
    return Apache::Test::vars('top_dir') . '/t/bin/pg-cluster';
}

# Why a cluster cannot run here, or undef when it can.
sub missing {
    my $why = `\Q@{[script()]}\E missing`;
    return $? == 0 ? ($why =~ s/\s+$//r) : undef;
}

# Start the cluster in $dir (made when missing): returns its libpq
# connection string, with an empty database "tsr".  Dies with the reason
# when it does not come up.
sub start {
    my ($dir) = @_;
    my $conn = `\Q@{[script()]}\E start \Q$dir\E 2>&1`;
    die "pg-cluster start: $conn" if $? != 0;
    ($conn) = $conn =~ /^(host=.*)$/m or die "pg-cluster start: no conninfo";
    $started{$dir} = 1;
    psql($conn, 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
    return $conn;
}

sub stop {
    my ($dir) = @_;
    system(script(), 'stop', $dir) if delete $started{$dir};
}

# The output of one SQL text through psql (unaligned, tuples only).
sub psql {
    my ($conn, $sql) = @_;
    my @bin = sort { $b cmp $a } glob '/usr/lib/postgresql/*/bin/psql';
    my $psql = $bin[0] // 'psql';
    my $out = `\Q$psql\E -X -qtA -d \Q$conn\E -c \Q$sql\E 2>&1`;
    die "psql: $out" if $? != 0;
    return $out =~ s/\s+$//r;
}

# What an administrator adds for the SQL store: mod_dbd, its pool of
# connections to $conn, and the store directive.
sub conf {
    my ($conn) = @_;
    return <<"EOC";
LoadModule dbd_module /usr/lib/apache2/modules/mod_dbd.so
DBDriver pgsql
DBDParams "$conn"
DBDMin 0
DBDKeep 2
DBDMax 20
TsciRegistryStore dbd
EOC
}

# Two Apaches of the test's own on one private cluster and one data
# directory, as two nodes behind a balancer would be: tag names their
# directories under t/var, ports the two TsciTest::spare_port numbers,
# conf the lines added after conf().  Returns (node A, node B, the
# connection string); both are stopped when the test ends, before the
# cluster.
sub two_nodes {
    my (%o) = @_;
    my $conn = start(TsciTest::t_var() . "/pg-$o{tag}");
    my $shared = TsciTest::t_var() . "/$o{tag}-shared";
    File::Path::rmtree($shared);
    my $conf = conf($conn) . ($o{conf} // '');
    my @ab = map {
        TsciTest::own_apache(name => "$o{tag}-$_->[0]",
                             port => TsciTest::spare_port($_->[1]),
                             datadir => $shared, conf => $conf)
    } (['a', $o{ports}[0]], ['b', $o{ports}[1]]);
    push @nodes, @ab;
    return (@ab, $conn);
}

# A test file's plan when it needs the cluster: in CI a cluster that
# cannot run fails the file (a suite that quietly skips proves nothing);
# elsewhere it is skipped with the reason.  The answer is a condition
# for Apache::Test::need.
sub needed {
    my $why = missing();
    if ($why && $ENV{CI}) {
        print "1..1\nnot ok 1 - $why\n";
        exit 1;
    }
    return $why ? Apache::Test::skip_reason($why) : 1;
}

END {
    $_->{stop}->() for grep { $_ } @nodes;
    stop($_) for keys %started;
}

1;
