# The registry's own endpoints: GET / with real figures, ping, errors.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use TsciTest qw(base_url req json_of adduser publish unique);

Apache::Test::plan(tests => 18, have_lwp);

my $base = base_url('/npm/');
my $before = json_of(req(GET => $base));
is($before->{db_name}, 'registry');
ok defined $before->{$_}, "GET / has $_"
    for qw(doc_count doc_del_count update_seq disk_size data_size
           instance_start_time);

my $token = adduser($base, unique('meta'), 'meta-pass-1');
my $name = unique('meta-pkg');
is(publish($base, $token, name => $name, version => '1.0.0')->code,
         201);
my $after = json_of(req(GET => $base));
is($after->{doc_count}, $before->{doc_count} + 1, 'doc_count grew');
is($after->{update_seq}, $before->{update_seq} + 1,
         'update_seq grew');
ok $after->{data_size} > $before->{data_size};
ok $after->{disk_size} >= $after->{data_size};

my $res = req(GET => "${base}-/ping");
is($res->code, 200, 'ping');
is($res->content, '{}');

$res = req(GET => "${base}no-such-package");
is($res->code, 404);
my $e = json_of($res);
ok $e && $e->{error} && $e->{reason}, 'CouchDB-shaped error';

$res = req(DELETE => "${base}$name");
is($res->code, 405, 'DELETE of a packument not allowed yet');
is(scalar $res->header('Allow'), 'GET, HEAD, PUT');
