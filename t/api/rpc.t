# The RPC-shaped Locations (TsciRegistry tsci, TsciRegistry jobs) from
# outside: GET and POST alike on a read, {"ok": true} answers, and every
# refusal in tscircuit's shape {"ok": false, "error": {"error_code",
# "message"}} (unknown routes, wrong methods, bad bodies), while the npm
# Location keeps npm's shape.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use TsciTest qw(base_url req json_of);

Apache::Test::plan(tests => 29, have_lwp);

for my $prefix ('/api/', '/route/') {
    my $base = base_url($prefix);

    for my $m (qw(GET POST)) {
        my $res = req($m => "${base}health", $m eq 'POST' ? (body => {}) : ());
        is $res->code, 200, "$prefix: $m health";
        my $d = json_of($res);
        ok $d && $d->{ok} && keys %$d == 1, "$prefix: $m health says ok";
    }
    my $res = req(GET => "${base}no/such/route");
    is $res->code, 404, "$prefix: an unknown route is 404";
    my $e = json_of($res);
    ok exists $e->{ok} && !$e->{ok}, "$prefix: its ok is false";
    is $e->{error}{error_code}, 'not_found', "$prefix: error_code not_found";
    like $e->{error}{message}, qr/not found/, "$prefix: with a message";
    like $res->header('Content-Type'), qr{^application/json},
        "$prefix: as JSON";

    $res = req(PUT => "${base}health", body => {});
    is $res->code, 405, "$prefix: PUT on a read is 405";
    is $res->header('Allow'), 'GET, HEAD, POST', "$prefix: Allow lists both";
    is json_of($res)->{error}{error_code}, 'method_not_allowed',
        "$prefix: in the RPC shape";

    # Health reads no parameters, so not even a broken body stops it.
    $res = req(POST => "${base}health", body => '{"a":');
    is $res->code, 200, "$prefix: health reads no body";
}

# The npm Location keeps npm's shape.
my $res = req(GET => base_url('/npm/') . 'no/such/thing/here');
is $res->code, 404, 'npm: 404';
ok !exists json_of($res)->{ok}, 'npm: no ok member';
like json_of($res)->{error}, qr/not found/i, 'npm: error is the sentence';
