# /packages/create|get|list|search|update|delete of TsciRegistry tsci:
# each one's answer, and each of its refusals with tscircuit's error code,
# leaving the package as it was.  Private packages are missing to others.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use TsciApi qw(api new_user snapshot T F);

Apache::Test::plan(tests => 63, have_lwp);

my ($alice, $at) = new_user('alice');
my ($bob, $bt) = new_user('bob');
my $name = "$alice/usb-led";

# create
my ($res, $d) = api(POST => 'packages/create',
                    { name => $name, description => 'A bright USB led' }, $at);
is $res->code, 200, 'create: 200';
is $d->{package}{name}, $name, 'create: the name';
is $d->{package}{unscoped_name}, 'usb-led', 'create: unscoped name';
ok !$d->{package}{is_private} && $d->{package}{is_public}, 'create: public';
is $d->{package}{latest_version}, undef, 'create: no release yet';
ok $d->{package}{user_permissions}{can_manage_packages}, 'create: managed';
my $id = $d->{package}{package_id};
ok $id, 'create: an id';
($res, $d) = api(POST => 'packages/create',
                 { name => "\@tsci/$alice.npm-form" }, $at);
is $d->{package}{name}, "$alice/npm-form", 'create: npm form of the name';
($res, $d) = api(POST => 'packages/create', {}, $at);
is $d->{package}{name}, "$alice/untitled-package-1", 'create: no name';

my $before = snapshot($name, $at);
for my $case (
    [ { name => $name }, $at, 400, 'package_already_exists' ],
    [ { name => 'nodelimiter' }, $at, 400, 'invalid_package_name' ],
    [ { name => '/x' }, $at, 400, 'missing_owner_segment' ],
    [ { name => "$alice/has space" }, $at, 400, 'validation_error' ],
    [ { name => "$alice/theirs" }, $bt, 403, 'forbidden' ],
    [ { name => "$alice/anon" }, undef, 401, 'unauthorized' ],
    [ { name => [] }, $at, 400, 'validation_error' ],
) {
    my ($p, $t, $status, $code) = @$case;
    ($res, $d) = api(POST => 'packages/create', $p, $t);
    is $res->code, $status, "create refused: $code";
    is $d->{error}{error_code}, $code, "create refused: says $code";
}
ok snapshot($name, $at) eq $before, 'create refusals changed nothing';
($res) = api(GET => 'packages/create', { name => "$alice/viaget" }, $at);
is $res->code, 405, 'create: GET is 405';

# get, by GET and POST, by id and by name
for my $m (qw(GET POST)) {
    ($res, $d) = api($m => 'packages/get', { package_id => $id });
    is $d->{package}{name}, $name, "get: $m by id";
    ($res, $d) = api($m => 'packages/get', { name => uc $name });
    is $d->{package}{package_id}, $id, "get: $m by name, any case";
}
($res, $d) = api(POST => 'packages/get', { name => "$alice/none" });
is $res->code, 404, 'get: unknown is 404';
is $d->{error}{error_code}, 'package_not_found', 'get: package_not_found';
($res, $d) = api(POST => 'packages/get', {});
is $d->{error}{error_code}, 'validation_error', 'get: nothing named is 400';

# private: missing to others and anonymous, there for its owner
api(POST => 'packages/create', { name => "$alice/secret", is_private => T },
    $at);
($res, $d) = api(POST => 'packages/get', { name => "$alice/secret" }, $bt);
is $res->code, 404, 'private: 404 to another user';
($res, $d) = api(POST => 'packages/get', { name => "$alice/secret" });
is $d->{error}{error_code}, 'package_not_found', 'private: 404 to anonymous';
($res, $d) = api(POST => 'packages/get', { name => "$alice/secret" }, $at);
ok $d->{package}{is_unlisted}, 'private: its owner sees it, unlisted';

# list
($res, $d) = api(GET => 'packages/list', {}, $at);
is scalar @{ $d->{packages} }, 4, 'list: the caller\'s own four';
($res, $d) = api(GET => 'packages/list', { owner_tscircuit_handle => $alice },
                 $bt);
is scalar @{ $d->{packages} }, 3, 'list: others see no private one';
($res, $d) = api(POST => 'packages/list',
                 { owner_tscircuit_handle => $alice, limit => 1 });
is scalar @{ $d->{packages} }, 1, 'list: limit';
($res, $d) = api(GET => 'packages/list', {});
is $res->code, 400, 'list: anonymous with no filter is 400';
is $d->{error}{error_code}, 'invalid_request', 'list: invalid_request';
($res, $d) = api(GET => 'packages/list', { limit => 0 }, $at);
is $d->{error}{error_code}, 'validation_error', 'list: a limit below 1';

# search
($res, $d) = api(POST => 'packages/search', { query => 'bright usb' });
is_deeply [map { $_->{name} } @{ $d->{packages} }], [$name],
    'search: by description, any case';
($res, $d) = api(GET => 'packages/search', { query => 'secret' }, $at);
is scalar @{ $d->{packages} }, 0, 'search: private never found';
($res, $d) = api(POST => 'packages/search', {});
is $d->{error}{error_code}, 'validation_error', 'search: a query needed';

# update
($res, $d) = api(POST => 'packages/update',
                 { package_id => $id, description => 'dim',
                   website => 'https://example.com', public_dist_enabled => T,
                   default_view => 'pcb' }, $at);
is $res->code, 200, 'update: 200';
is $d->{package}{description}, 'dim', 'update: description';
ok $d->{package}{public_dist_enabled}, 'update: public_dist_enabled';
is $d->{package}{default_view}, 'pcb', 'update: default_view';
$before = snapshot($name, $at);
for my $case (
    [ { package_id => $id, description => 'x' }, $bt, 403, 'forbidden' ],
    [ { package_id => 'no-such-id' }, $at, 404, 'package_not_found' ],
    [ { package_id => $id, name => 'npm-form' }, $at, 400,
      'package_already_exists' ],
    [ { package_id => $id, default_view => 'movie' }, $at, 400,
      'validation_error' ],
    [ {}, $at, 400, 'validation_error' ],
) {
    my ($p, $t, $status, $code) = @$case;
    ($res, $d) = api(POST => 'packages/update', $p, $t);
    is $res->code, $status, "update refused: $code";
    is $d->{error}{error_code}, $code, "update refused: says $code";
}
ok snapshot($name, $at) eq $before, 'update refusals changed nothing';
($res, $d) = api(POST => 'packages/update',
                 { package_id => $id, name => 'usb-lamp' }, $at);
is $d->{package}{name}, "$alice/usb-lamp", 'update: renamed';
$name = "$alice/usb-lamp";

# delete
($res, $d) = api(POST => 'packages/delete', { package_id => $id }, $bt);
is $d->{error}{error_code}, 'forbidden', 'delete: someone else\'s is 403';
($res, $d) = api(POST => 'packages/delete', { package_id => $id }, $at);
ok $res->code == 200 && $d->{ok}, 'delete: ok';
($res, $d) = api(POST => 'packages/get', { name => $name });
is $res->code, 404, 'delete: gone';
