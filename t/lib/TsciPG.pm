# TsciPG: a private PostgreSQL cluster for the tests of the SQL store
# (TsciRegistryStore dbd).  It runs Debian's PostgreSQL as the test's own
# user through t/bin/pg-cluster: initdb under t/var, a Unix socket in a
# scratch directory and no TCP port, so that nothing meets another cluster
# on the machine; stopped when the test ends.
package TsciPG;

use strict;
use warnings;

use Apache::Test ();

my %started;    # dir => 1, for END

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

END {
    stop($_) for keys %started;
}

1;
