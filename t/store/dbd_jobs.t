# Autorouting jobs on the SQL store (TsciRegistryStore dbd): two Apaches
# share one private PostgreSQL and one data directory.  Jobs are queued
# through both nodes; the routing workers of both take them from the one
# queue on connections of their own (mod_dbd's pool: a worker has no
# request), each job is routed once, its outcome and traces read through
# the other node, and a finished job keeps no input.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use Time::HiRes qw(time sleep);
use File::Path qw(rmtree);
use TsciTest qw(main_store_independent req json_of slurp t_var own_apache spare_port);
use TsciPG;

my $pg = TsciPG::needed();
Apache::Test::plan(tests => 11, Apache::Test::need(have_lwp,
    main_store_independent("two nodes on a cluster of its own"), $pg));

my ($a, $b, $conn) = TsciPG::two_nodes(
    tag => 'dbd-jobs', ports => [4, 1], conf => <<'EOC');
<Location /route/>
    TsciRegistry jobs
</Location>
TsciRegistryRouteWorkers 2
EOC

ok $a->{up} && $b->{up}, 'both nodes answer'
    or diag "$a->{start_out}\n$b->{start_out}\n"
            . `tail -20 \Q$a->{errlog}\E \Q$b->{errlog}\E`;
(my $ra = $a->{base}) =~ s{/npm/$}{/route/};
(my $rb = $b->{base}) =~ s{/npm/$}{/route/};
my $top = Apache::Test::vars('top_dir');
my $small = slurp("$top/t/data/autorouting/circuit005.json");

sub create {
    my ($at) = @_;
    my $r = req(POST => "${at}autorouting/jobs/create",
                body => '{"input_circuit_json":' . $small
                        . ',"provider":"freerouting","autostart":true}');
    return $r->code == 200 ? json_of($r)->{autorouting_job}{autorouting_job_id}
                           : undef;
}

sub job {
    my ($at, $id) = @_;
    my $d = json_of(req(POST => "${at}autorouting/jobs/get",
                        body => { autorouting_job_id => $id }));
    return $d ? $d->{autorouting_job} : undef;
}

# Six jobs, through A and B in turn.
my @ids = map { create($_ % 2 ? $rb : $ra) } 1 .. 6;
is scalar(grep { defined } @ids), 6, 'six jobs queued through both nodes';

# Every one finishes, seen from the node that did not queue it.
my %done;
my $until = time + 60;
while (time < $until && keys %done < 6) {
    for my $i (0 .. 5) {
        next if $done{$i};
        my $j = job($i % 2 ? $ra : $rb, $ids[$i]);
        $done{$i} = $j if $j && $j->{is_finished};
    }
    sleep 0.1;
}
is scalar(keys %done), 6, 'all six finish, read through the other node'
    or diag `tail -20 \Q$a->{errlog}\E \Q$b->{errlog}\E`;
is scalar(grep { $_->{has_error} } values %done), 0, 'none with an error';

my $res = req(POST => "${rb}autorouting/jobs/get_output",
              body => { autorouting_job_id => $ids[0] });
is $res->code, 200, 'B gives the output of a job A queued';
my $traces = (json_of($res) || {})->{autorouting_job_output}{output_pcb_traces};
ok ref $traces eq 'ARRAY' && @$traces > 0, 'with traces';

# What PostgreSQL holds: six finished jobs, each taken up once, no
# input kept, and the counters agree.
is TsciPG::psql($conn, 'SELECT count(*) FROM tsr_jobs WHERE state = 2'), '6',
   'six finished rows';
is TsciPG::psql($conn, "SELECT count(*) FROM tsr_jobs WHERE "
                . "convert_from(rec, 'UTF8')::json->>'attempts' = '1'"), '6',
   'each taken up by exactly one worker, once';
is TsciPG::psql($conn, 'SELECT count(*) FROM tsr_jobs WHERE input IS NOT NULL'),
   '0', 'a finished job keeps no input';
is TsciPG::psql($conn, 'SELECT active || \'/\' || kept FROM tsr_job_counts'),
   '0/6', 'counters: none active, six kept';

my $log = `cat \Q$a->{errlog}\E \Q$b->{errlog}\E`;
unlike $log, qr/exit signal|Segmentation|TSR0020[17]/,
   'no child died, no store or connection failure logged';
