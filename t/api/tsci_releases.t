# /package_releases/create|get|list|update of TsciRegistry tsci: versions
# chosen by the client, one latest per package (prereleases not latest by
# default) mirrored in the package's latest_*, locks, and every refusal
# with tscircuit's code, leaving the store as it was.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use TsciApi qw(api new_user snapshot T F);

Apache::Test::plan(tests => 55, have_lwp);

my ($alice, $at) = new_user('alice');
my ($bob, $bt) = new_user('bob');
my $name = "$alice/regulator";
my ($res, $d) = api(POST => 'packages/create', { name => $name }, $at);
my $pid = $d->{package}{package_id};

sub latest_version {
    my (undef, $p) = api(POST => 'packages/get', { name => $name });
    return $p->{package}{latest_version};
}

# create: three ways to name the package
($res, $d) = api(POST => 'package_releases/create',
                 { package_name_with_version => "$name\@1.0.0",
                   commit_sha => 'abc123' }, $at);
is $res->code, 200, 'create: 200';
my $r1 = $d->{package_release};
is $r1->{version}, '1.0.0', 'create: the version';
ok $r1->{is_latest}, 'create: latest';
ok !$r1->{is_locked}, 'create: not locked';
is $r1->{commit_sha}, 'abc123', 'create: commit_sha';
is latest_version(), '1.0.0', 'create: the package follows';
($res, $d) = api(POST => 'package_releases/create',
                 { package_name => $name, version => '1.1.0-rc.1' }, $at);
ok !$d->{package_release}{is_latest}, 'create: a prerelease is not latest';
is latest_version(), '1.0.0', 'create: the package keeps 1.0.0';
($res, $d) = api(POST => 'package_releases/create',
                 { package_id => $pid, version => '1.2.0',
                   is_latest => F }, $at);
ok !$d->{package_release}{is_latest}, 'create: is_latest false honoured';
my $r3 = $d->{package_release};
($res, $d) = api(POST => 'package_releases/create',
                 { package_name_with_version => "$name\@2.0.0-beta",
                   is_latest => T }, $at);
ok $d->{package_release}{is_latest}, 'create: a prerelease latest if asked';
is latest_version(), '2.0.0-beta', 'create: the package follows it';

my $before = snapshot($name, $at);
for my $case (
    [ { package_name_with_version => "$name\@1.0.0" }, $at, 400,
      'version_already_exists' ],
    [ { package_name => $name }, $at, 400, 'missing_options' ],
    [ { version => '3.0.0' }, $at, 400, 'missing_options' ],
    [ { package_name_with_version => "$alice/none\@1.0.0" }, $at, 404,
      'package_not_found' ],
    [ { package_name_with_version => "$name\@3.0.0" }, $bt, 403,
      'forbidden' ],
    [ { package_name_with_version => "$name\@3.0.0" }, undef, 401,
      'unauthorized' ],
    [ { package_name_with_version => "$name\@not.a.version" }, $at, 400,
      'validation_error' ],
) {
    my ($p, $t, $status, $code) = @$case;
    ($res, $d) = api(POST => 'package_releases/create', $p, $t);
    is $res->code, $status, "create refused: $code";
    is $d->{error}{error_code}, $code, "create refused: says $code";
}
ok snapshot($name, $at) eq $before, 'create refusals changed nothing';

# get: every selector, GET and POST
($res, $d) = api(GET => 'package_releases/get',
                 { package_release_id => $r1->{package_release_id} });
is $d->{package_release}{version}, '1.0.0', 'get: GET by id';
($res, $d) = api(POST => 'package_releases/get',
                 { package_name_with_version => "$name\@1.2.0" });
is $d->{package_release}{version}, '1.2.0', 'get: POST by name@version';
($res, $d) = api(POST => 'package_releases/get',
                 { package_name => $name, is_latest => T });
is $d->{package_release}{version}, '2.0.0-beta', 'get: the latest by name';
($res, $d) = api(GET => 'package_releases/get',
                 { package_id => $pid, is_latest => 'true' });
is $d->{package_release}{version}, '2.0.0-beta', 'get: the latest by id';
($res, $d) = api(POST => 'package_releases/get',
                 { package_name_with_version => "$name\@9.9.9" });
is $d->{error}{error_code}, 'package_release_not_found', 'get: unknown 404';
($res, $d) = api(POST => 'package_releases/get',
                 { package_name_with_version => "$alice/nope\@1.0.0" });
is $d->{error}{error_code}, 'package_not_found', 'get: no package 404';
($res, $d) = api(POST => 'package_releases/get', {});
is $res->code, 400, 'get: nothing named is 400';

# list
($res, $d) = api(POST => 'package_releases/list', { package_name => $name });
is_deeply [map { $_->{version} } @{ $d->{package_releases} }],
    ['1.0.0', '1.1.0-rc.1', '1.2.0', '2.0.0-beta'], 'list: creation order';
($res, $d) = api(GET => 'package_releases/list',
                 { package_id => $pid, is_latest => 'true' });
is scalar @{ $d->{package_releases} }, 1, 'list: one latest';
($res, $d) = api(GET => 'package_releases/list',
                 { package_name => $name, commit_sha => 'abc123' });
is $d->{package_releases}[0]{version}, '1.0.0', 'list: by commit';
($res, $d) = api(POST => 'package_releases/list',
                 { package_name => "$alice/unknown" });
ok $res->code == 200 && !@{ $d->{package_releases} },
    'list: an unknown package is an empty list';
($res, $d) = api(POST => 'package_releases/list', {});
is $d->{error}{error_code}, 'validation_error', 'list: a package needed';
($res, $d) = api(POST => 'package_releases/list',
                 { package_id => $pid, package_name => $name });
is $d->{error}{error_code}, 'validation_error', 'list: not both';

# update
($res, $d) = api(POST => 'package_releases/update',
                 { package_release_id => $r3->{package_release_id},
                   is_latest => T, license => 'MIT' }, $at);
ok $res->code == 200 && $d->{ok}, 'update: ok';
is latest_version(), '1.2.0', 'update: latest moved, the package follows';
($res, $d) = api(POST => 'package_releases/list',
                 { package_name => $name, is_latest => T });
is scalar @{ $d->{package_releases} }, 1, 'update: still one latest';
(undef, $d) = api(POST => 'packages/get', { name => $name });
is $d->{package}{license}, 'MIT', 'update: the package has its license';
($res, $d) = api(POST => 'package_releases/update',
                 { package_name_with_version => "$name\@1.2.0",
                   is_locked => T }, $at);
is $res->code, 200, 'update: locked';
$before = snapshot($name, $at);
for my $case (
    [ { package_name_with_version => "$name\@1.2.0", license => 'GPL' },
      $at, 403, 'package_release_locked' ],
    [ { package_name_with_version => "$name\@1.2.0", is_locked => F },
      $at, 403, 'package_release_locked' ],
    [ { package_name_with_version => "$name\@1.0.0" }, $at, 400,
      'no_fields_provided' ],
    [ { package_name_with_version => "$name\@1.0.0", is_latest => T },
      $bt, 403, 'forbidden' ],
    [ { package_name_with_version => "$name\@8.0.0", is_latest => T },
      $at, 404, 'package_release_not_found' ],
) {
    my ($p, $t, $status, $code) = @$case;
    ($res, $d) = api(POST => 'package_releases/update', $p, $t);
    is $res->code, $status, "update refused: $code";
    is $d->{error}{error_code}, $code, "update refused: says $code";
}
ok snapshot($name, $at) eq $before, 'update refusals changed nothing';
