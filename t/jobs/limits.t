# The jobs queue's bound and a server that routes nothing: with
# TsciRegistryRouteWorkers 0 jobs are taken and wait; past
# TsciRegistryRouteMaxQueued a create is a 503 with Retry-After; a
# cancel makes room; and once Apache starts again with a worker, the jobs
# that waited are routed; beyond TsciRegistryRouteMaxKept finished jobs
# the oldest go.  An Apache of this test's own.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use Time::HiRes qw(time sleep);
use TsciTest qw(main_store_independent req json_of slurp own_apache spare_port t_var);

Apache::Test::plan(tests => 16, Apache::Test::need(have_lwp,
    main_store_independent("restarted without workers, then with")));

my $top = Apache::Test::vars('top_dir');
my $small = slurp("$top/t/data/autorouting/circuit005.json");
my $datadir = t_var() . '/jobs-limits-data';
File::Path::rmtree($datadir);
my $port = spare_port(1);
my $base = "http://127.0.0.1:$port/route/";

sub start {
    my ($workers) = @_;
    return own_apache(name => 'jobs-limits', port => $port,
                      datadir => $datadir, conf => <<"EOC");
<Location /route/>
    TsciRegistry jobs
</Location>
TsciRegistryRouteWorkers $workers
TsciRegistryRouteMaxQueued 2
TsciRegistryRouteMaxKept 3
EOC
}
sub create {
    return req(POST => "${base}autorouting/jobs/create",
               body => '{"input_circuit_json":' . $small . '}');
}
sub id_of { json_of(shift)->{autorouting_job}{autorouting_job_id} }
sub job {
    return json_of(req(POST => "${base}autorouting/jobs/get",
                       body => { autorouting_job_id => shift }))
        ->{autorouting_job};
}

my $ap = start(0);
ok $ap->{up}, 'Apache with no route workers is up';
my $a = id_of(create());
my $b = id_of(create());
ok $a && $b, 'two jobs are queued';
my $res = create();
is $res->code, 503, 'a third, over TsciRegistryRouteMaxQueued: 503';
is json_of($res)->{error}{error_code}, 'too_many_jobs', 'too_many_jobs';
ok $res->header('Retry-After'), 'with Retry-After';
sleep 1;
ok !job($a)->{is_started}, 'no worker here: the job waits';
is req(POST => "${base}autorouting/jobs/cancel",
       body => { autorouting_job_id => $b })->code, 200, 'one is cancelled';
$res = create();
is $res->code, 200, 'which makes room for another';
my $c = id_of($res);
$ap->{stop}->();

$ap = start(1);
ok $ap->{up}, 'Apache starts again with a worker';
my ($ja, $jc);
for (1 .. 200) {
    ($ja, $jc) = (job($a), job($c));
    last if $ja->{is_finished} && $jc->{is_finished};
    sleep 0.1;
}
ok $ja->{is_finished} && !$ja->{has_error}, 'the first waiting job is routed';
ok $jc->{is_finished} && !$jc->{has_error}, 'so is the other';
ok $ja->{nets_total} > 0 && $ja->{nets_routed} == $ja->{nets_total},
    'every net routed';
ok job($b)->{is_cancelled} && !job($b)->{is_started},
    'the cancelled one was never routed';

# Three finished jobs kept at most: the oldest (the cancelled one) goes
# with the next job a worker finishes.
my $d = id_of(create());
my $jd;
for (1 .. 100) {
    $jd = job($d);
    last if $jd && $jd->{is_finished};
    sleep 0.1;
}
ok $jd && $jd->{is_finished}, 'a fourth job is routed';
is req(POST => "${base}autorouting/jobs/get",
       body => { autorouting_job_id => $b })->code, 404,
    'beyond TsciRegistryRouteMaxKept the oldest finished job is gone';
ok job($a) && job($c) && job($d),
    'the newest are kept (the cap counts finished jobs only)';
$ap->{stop}->();
