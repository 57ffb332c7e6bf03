# The jobs API under Apache's access rules: a Location that says
# Require valid-user turns away anonymous clients with a 401 in the RPC
# shape and a challenge, and takes a registry token as a user; a
# subcircuit_id no element carries routes nothing.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use Time::HiRes qw(sleep);
use TsciTest qw(base_url req json_of slurp adduser unique);

Apache::Test::plan(tests => 11, have_lwp);

my $top = Apache::Test::vars('top_dir');
my $small = slurp("$top/t/data/autorouting/circuit005.json");
my $private = base_url('/route-private/');
my $body = '{"input_circuit_json":' . $small . '}';

my $res = req(POST => "${private}autorouting/jobs/create", body => $body);
is $res->code, 401, 'anonymous, where Require valid-user: 401';
like $res->header('WWW-Authenticate') // '', qr/^(Bearer|Basic)/,
    'with a challenge';
is json_of($res)->{error}{error_code}, 'unauthorized',
    'in the RPC shape';
$res = req(POST => "${private}autorouting/jobs/create", body => $body,
           token => 'not-a-token');
is $res->code, 401, 'an unknown token: 401';

my $token = adduser(base_url('/npm/'), unique('router'), 'router-pass-1');
$res = req(POST => "${private}autorouting/jobs/create", body => $body,
           token => $token);
is $res->code, 200, 'a registry token: the job is queued';
my $id = json_of($res)->{autorouting_job}{autorouting_job_id};
my $j;
for (1 .. 100) {
    $j = json_of(req(POST => "${private}autorouting/jobs/get",
                     body => { autorouting_job_id => $id },
                     token => $token))->{autorouting_job};
    last if $j->{is_finished};
    sleep 0.1;
}
ok $j->{is_finished} && !$j->{has_error}, 'and routed';

# One store: the job is the same through the open Location.
my $open = base_url('/route/');
is json_of(req(GET => "${open}autorouting/jobs/get?autorouting_job_id=$id"))
       ->{autorouting_job}{is_finished}, JSON::PP::true(),
    'the open Location sees the same job';

# subcircuit_id: only that subcircuit's nets are routed.
$res = req(POST => "${open}autorouting/jobs/create",
           body => '{"input_circuit_json":' . $small
                   . ',"subcircuit_id":"no_such_subcircuit"}');
is $res->code, 200, 'a job for one subcircuit';
is json_of($res)->{autorouting_job}{subcircuit_id}, 'no_such_subcircuit',
    'says which';
$id = json_of($res)->{autorouting_job}{autorouting_job_id};
for (1 .. 100) {
    $j = json_of(req(POST => "${open}autorouting/jobs/get",
                     body => { autorouting_job_id => $id }))
        ->{autorouting_job};
    last if $j->{is_finished};
    sleep 0.1;
}
is $j->{nets_total}, 0, 'a subcircuit no element belongs to has no nets';
is_deeply json_of(req(POST => "${open}autorouting/jobs/get_output",
                      body => { autorouting_job_id => $id }))
              ->{autorouting_job_output}{output_pcb_traces}, [],
    'and no traces';
