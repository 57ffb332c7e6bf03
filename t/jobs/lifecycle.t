# Autorouting jobs outlive what happens to Apache: a job routing while
# Apache stops is routed after it starts again, a job whose worker's
# process is killed is taken up at once by the next process, a graceful
# restart loses nothing, and finished jobs go after
# TsciRegistryRouteRetention.  An Apache of this test's own, so it can be
# stopped and killed.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use Time::HiRes qw(time sleep);
use TsciTest qw(main_store_independent req json_of slurp own_apache spare_port t_var children_of);

Apache::Test::plan(tests => 24, Apache::Test::need(have_lwp,
    main_store_independent("stopped, killed and restarted")));

my $top = Apache::Test::vars('top_dir');
my $slow = slurp("$top/t/data/autorouting/circuit246.json");
my $datadir = t_var() . '/jobs-lifecycle-data';
File::Path::rmtree($datadir);
my $port = spare_port(0);
my $conf = <<'EOC';
<Location /route/>
    TsciRegistry jobs
</Location>
TsciRegistryRouteRetention 3
EOC
my $ap;
sub start { $ap = own_apache(name => 'jobs-lifecycle', port => $port,
                             datadir => $datadir, conf => $conf) }
my $base = "http://127.0.0.1:$port/route/";

sub create {
    my $r = req(POST => "${base}autorouting/jobs/create",
                body => '{"input_circuit_json":' . $slow . '}');
    return $r->code == 200 ? json_of($r)->{autorouting_job}{autorouting_job_id}
                           : undef;
}
sub job {
    my $r = req(POST => "${base}autorouting/jobs/get",
                body => { autorouting_job_id => shift });
    return $r->code == 200 ? json_of($r)->{autorouting_job} : undef;
}
sub wait_for {
    my ($id, $what, $secs) = @_;
    my $until = time + $secs;
    while (time < $until) {
        my $j = job($id);
        return $j if $j && $j->{$what};
        sleep 0.1;
    }
    return job($id) // {};
}

start();
ok $ap->{up}, 'Apache with a jobs Location is up';

# ---- Apache stops in the middle of a job ----
my $id = create();
ok $id, 'a job is queued';
my $running = wait_for($id, 'is_running', 20);
ok $running->{is_running}, 'and runs';
my $started = $running->{started_at};
my $parent = $ap->{pid}->();
$ap->{stop}->();
ok $parent && !kill(0, $parent), 'Apache is stopped mid-job';
start();
ok $ap->{up}, 'Apache starts again on the same store';
my $j = wait_for($id, 'is_finished', 60);
ok $j->{is_finished}, 'the job is routed after the restart';
ok !$j->{has_error}, 'without an error';
is $j->{nets_routed}, $j->{nets_total}, 'every net routed';
is $j->{started_at}, $started, 'it keeps the time it first started';
my $out = json_of(req(POST => "${base}autorouting/jobs/get_output",
                      body => { autorouting_job_id => $id }));
ok scalar @{ $out->{autorouting_job_output}{output_pcb_traces} },
    'its output is there';
my $restarted = $id;

# ---- the worker's process is killed ----
my $errlog_lines = () = split /\n/, slurp($ap->{errlog});
$id = create();
ok wait_for($id, 'is_running', 20)->{is_running}, 'another job runs';
my @kids = children_of($ap->{pid}->());
ok @kids, 'Apache has children';
kill 'KILL', @kids;
my $t0 = time;
$j = wait_for($id, 'is_finished', 60);
ok $j->{is_finished}, 'the job is routed although its worker was killed';
ok !$j->{has_error}, 'without an error';
is $j->{nets_routed}, $j->{nets_total}, 'every net routed';
# Taken up when the next child takes the slot, not when the lease (the
# budget, 20 s, and 30 s more) ends.
ok time - $t0 < 20, sprintf 'taken up at once (%.1f s)', time - $t0;
# The parent sees it (and, a child having died with the store open,
# recovers the store before new children start).
my @log = split /\n/, slurp($ap->{errlog});
ok scalar(grep { /child (?:pid )?\d+ (?:exit signal Killed|died)/ }
          @log[$errlog_lines .. $#log]),
    'the log shows the child killed';

# ---- a graceful restart in the middle of a job ----
$id = create();
ok wait_for($id, 'is_running', 20)->{is_running}, 'a third job runs';
kill 'USR1', $ap->{pid}->();
$j = wait_for($id, 'is_finished', 60);
ok $j->{is_finished} && !$j->{has_error},
    'a graceful restart finishes it without an error';
is $j->{nets_routed}, $j->{nets_total}, 'every net routed';
ok req(GET => "${base}health")->code == 200, 'Apache serves after it';

# ---- retention ----
my $gone = 0;
for (1 .. 100) {
    my $r = req(POST => "${base}autorouting/jobs/get",
                body => { autorouting_job_id => $restarted });
    $gone = 1, last if $r->code == 404;
    sleep 0.1;
}
ok $gone, 'a finished job is removed after TsciRegistryRouteRetention';
my $r = req(POST => "${base}autorouting/jobs/get_output",
            body => { autorouting_job_id => $restarted });
is $r->code, 404, 'and its output with it';
ok job($id), 'a job finished since is still there';

$ap->{stop}->();
