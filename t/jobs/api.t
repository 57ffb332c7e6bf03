# The autorouting jobs API as tscircuit's client uses it (TsciRegistry
# jobs at /route/, anonymous): create a job with an unrouted board, poll
# it, read the traces (the very traces tsci-route writes for the same
# board: one router, deterministic), the synchronous solve, cancel, the
# time budget, and every bad input refused at create with its reason.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use Time::HiRes qw(time sleep);
use JSON::PP ();
use TsciTest qw(base_url req json_of slurp);

Apache::Test::plan(tests => 66, have_lwp);

my $base = base_url('/route/');
my $top = Apache::Test::vars('top_dir');
my $small = slurp("$top/t/data/autorouting/circuit005.json");
my $slow = slurp("$top/t/data/autorouting/circuit246.json");
my $json = JSON::PP->new->canonical;

sub create {
    my ($board, %extra) = @_;
    my $body = '{"input_circuit_json":' . $board . ',"provider":'
        . '"freerouting","autostart":true'
        . join('', map { ",\"$_\":" . $json->encode($extra{$_}) }
                       sort keys %extra) . '}';
    return req(POST => "${base}autorouting/jobs/create", body => $body);
}

sub job {
    my ($id) = @_;
    return json_of(req(POST => "${base}autorouting/jobs/get",
                       body => { autorouting_job_id => $id }))
        ->{autorouting_job};
}

# Poll as tscircuit's client does, every 100 ms, until finished.
sub wait_finished {
    my ($id, $secs) = @_;
    my $until = time + ($secs // 30);
    while (time < $until) {
        my $j = job($id);
        return $j if $j && $j->{is_finished};
        sleep 0.1;
    }
    return job($id);
}

sub wait_running {
    my ($id) = @_;
    for (1 .. 100) {
        my $j = job($id);
        return $j if $j->{is_running};
        sleep 0.05;
    }
    return job($id);
}

# ---- a board routed through a job ----
my $res = create($small, display_name => 'led board');
is $res->code, 200, 'create: 200';
my $created = json_of($res)->{autorouting_job};
like $created->{autorouting_job_id},
    qr/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    'create: the job id is a UUID';
ok !$created->{is_finished} && !$created->{has_error},
    'create: not finished, no error yet';
is $created->{display_name}, 'led board', 'create: the display name kept';
like $created->{created_at}, qr/^\d{4}-\d\d-\d\dT[\d:.]+Z$/,
    'create: created_at is an ISO time';
my $id = $created->{autorouting_job_id};

my $done = wait_finished($id);
ok $done->{is_finished}, 'the job finishes';
ok $done->{is_started} && !$done->{is_running},
    'finished: started, not running';
ok !$done->{has_error}, 'no error';
ok !defined $done->{error}, 'error is null';
ok defined $done->{started_at} && defined $done->{finished_at},
    'started_at and finished_at set';
is $done->{nets_routed}, $done->{nets_total}, 'every net routed';
ok $done->{nets_total} > 0, 'there were nets to route';
ok !$done->{is_timed_out}, 'within the budget';

# get by query string, as some clients send it
my $q = json_of(req(GET => "${base}autorouting/jobs/get?autorouting_job_id=$id"));
is $q->{autorouting_job}{autorouting_job_id}, $id, 'get by query string';
ok $q->{ok}, 'get says ok';

$res = req(POST => "${base}autorouting/jobs/get_output",
           body => { autorouting_job_id => $id });
is $res->code, 200, 'get_output: 200';
my $out = json_of($res);
my $traces = $out->{autorouting_job_output}{output_pcb_traces};
is ref $traces, 'ARRAY', 'get_output: output_pcb_traces is an array';
ok @$traces > 0, 'get_output: with traces';
is scalar(grep { $_->{type} ne 'pcb_trace' } @$traces), 0,
    'get_output: only pcb_trace elements (the client makes the vias)';
my @ends = map { ($_->{route}[0], $_->{route}[-1]) } @$traces;
is scalar(grep { $_->{route_type} ne 'wire' } @ends), 0,
    'every trace starts and ends on a wire point';

# The same board through tsci-route: the job's traces are exactly its.
my $tmp = TsciTest::t_var() . '/route-small.json';
TsciTest::write_file($tmp, $small);
my $cli = `$top/mod_tsci_registry/tsci-route -q $tmp`;
is $? >> 8, 0, 'tsci-route routes the board too';
my @cli_traces = grep { $_->{type} eq 'pcb_trace' }
                 @{ $json->decode($cli) };
is $json->encode($traces), $json->encode(\@cli_traces),
    'the job\'s traces are the ones tsci-route writes';

# get_output by query string, with GET
$res = req(GET => "${base}autorouting/jobs/get_output?autorouting_job_id=$id");
is $res->code, 200, 'get_output by GET and query';

# ---- solve: the synchronous form ----
$res = req(POST => "${base}autorouting/solve",
           body => '{"input_circuit_json":' . $small . '}');
is $res->code, 200, 'solve: 200';
is $json->encode(json_of($res)->{autorouting_result}{output_pcb_traces}),
    $json->encode($traces), 'solve: the same traces';

# ---- the time budget: partial routes, not an error ----
$res = create($slow);
is $res->code, 200, 'a slow board is queued';
my $sid = json_of($res)->{autorouting_job}{autorouting_job_id};
my $t0 = time;
my $sj = wait_finished($sid, 40);
ok $sj->{is_finished}, 'over budget, the job still finishes';
ok !$sj->{has_error}, 'without an error';
ok $sj->{is_timed_out}, 'and says the budget ended it';
ok $sj->{nets_routed} > 0 && $sj->{nets_routed} <= $sj->{nets_total},
    "with the nets routed by then ($sj->{nets_routed} of $sj->{nets_total})";
ok $sj->{route_time_ms} >= 950 && $sj->{route_time_ms} < 5000,
    "it routed for about the budget ($sj->{route_time_ms} ms of 1000)";
my $partial = json_of(req(POST => "${base}autorouting/jobs/get_output",
                          body => { autorouting_job_id => $sid }));
ok scalar @{ $partial->{autorouting_job_output}{output_pcb_traces} },
    'the partial traces are the output';

# ---- cancel: a running job stops, a queued one never starts ----
my $rid = json_of(create($slow))->{autorouting_job}{autorouting_job_id};
ok wait_running($rid)->{is_running}, 'a slow job runs';
# one worker: the next job waits in the queue
my $qid = json_of(create($small))->{autorouting_job}{autorouting_job_id};
my $queued = job($qid);
ok !$queued->{is_started}, 'a second job waits for the worker';
$res = req(POST => "${base}autorouting/jobs/cancel",
           body => { autorouting_job_id => $qid });
is $res->code, 200, 'cancel a queued job: 200';
my $cq = json_of($res)->{autorouting_job};
ok $cq->{is_finished} && $cq->{is_cancelled} && !$cq->{is_started},
    'a cancelled queued job is finished at once, never started';
is_deeply json_of(req(POST => "${base}autorouting/jobs/get_output",
                      body => { autorouting_job_id => $qid }))
              ->{autorouting_job_output}{output_pcb_traces}, [],
    'with no traces';
my $tc = time;
$res = req(POST => "${base}autorouting/jobs/cancel",
           body => { autorouting_job_id => $rid });
is $res->code, 200, 'cancel a running job: 200';
my $cr = wait_finished($rid, 10);
ok $cr->{is_finished} && $cr->{is_cancelled}, 'the running job stops';
ok time - $tc < 2, 'within a moment, not at the end of its budget';
ok !$cr->{has_error}, 'a cancel is not an error';
$res = req(POST => "${base}autorouting/jobs/cancel",
           body => { autorouting_job_id => $rid });
is $res->code, 200, 'cancelling a finished job is harmless';
ok job($qid)->{is_finished} && !job($qid)->{is_started},
    'the cancelled queued job was never taken up';

# ---- jobs that do not exist, or not yet ----
my $nf = req(POST => "${base}autorouting/jobs/get",
             body => { autorouting_job_id => '00000000-0000-4000-8000-000000000000' });
is $nf->code, 404, 'an unknown job: 404';
is json_of($nf)->{error}{error_code}, 'autorouting_job_not_found',
    'named autorouting_job_not_found';
is req(POST => "${base}autorouting/jobs/get",
       body => { autorouting_job_id => '../../etc' })->code, 404,
    'a malformed job id: 404';
$res = req(POST => "${base}autorouting/jobs/get", body => {});
is $res->code, 400, 'no job id: 400';
like json_of($res)->{error}{message}, qr/autorouting_job_id/,
    'naming the parameter';
my $busy = json_of(create($slow))->{autorouting_job}{autorouting_job_id};
$res = req(POST => "${base}autorouting/jobs/get_output",
           body => { autorouting_job_id => $busy });
is $res->code, 409, 'output of an unfinished job: 409';
is json_of($res)->{error}{error_code}, 'autorouting_job_not_finished',
    'named autorouting_job_not_finished';
req(POST => "${base}autorouting/jobs/cancel",
    body => { autorouting_job_id => $busy });

# ---- bad input, refused at create with the reason ----
sub refused {
    my ($body, $code, $re, $what) = @_;
    my $r = req(POST => "${base}autorouting/jobs/create", body => $body);
    is $r->code, $code, "$what: $code";
    like((json_of($r) // {})->{error}{message} // '', $re,
         "$what: says why");
}
refused('{"provider":"freerouting"}', 400, qr/input_circuit_json/,
        'no board');
refused('{"input_circuit_json":{"a":1}}', 400, qr/array/,
        'a board that is not an array');
refused('{"input_circuit_json":[{"type":"pcb_board","center":{"x":0,"y":0},'
        . '"width":"wide","height":10}]}', 400, qr/pcb_board|width/,
        'malformed Circuit JSON');
refused('{"input_simple_route_json":{"layerCount":2}}', 400,
        qr/input_circuit_json/, 'a SimpleRouteJson board');
refused('{"input_circuit_json":[', 400, qr/./, 'broken JSON');
my $many = '[' . join(',', map {
    qq({"type":"source_port","source_port_id":"sp$_","name":"p$_"})
} 1 .. 3001) . ']';
refused('{"input_circuit_json":' . $many . '}', 413, qr/3000|elements/,
        'more elements than TsciRegistryRouteMaxElements');
refused('{"input_circuit_json":[{"type":"pcb_board","pcb_board_id":"b",'
        . '"center":{"x":0,"y":0},"width":400,"height":10,'
        . '"num_layers":2}]}', 413, qr/300|board/,
        'a board side over TsciRegistryRouteMaxBoard');
my $huge = '{"input_circuit_json":[' . join(',', ('{"type":"x"}') x 260000)
    . ']}';
$res = req(POST => "${base}autorouting/jobs/create", body => $huge);
is $res->code, 413, 'a body over TsciRegistryRouteMaxInput: 413';

# anonymous, as tscircuit's client sends no token; and create is POST only
is req(GET => "${base}autorouting/jobs/create")->code, 405,
    'create by GET: 405';
