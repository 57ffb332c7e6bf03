# Publish and read back over HTTP, as npm does it: first and later versions,
# tags, scoped names in both URL forms, the packument's two forms, ETags,
# versions and tags, and who may publish.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use Digest::SHA qw(sha1_hex);
use TsciTest qw(base_url req json_of make_tarball publish_body adduser
                publish sri512 unique);

Apache::Test::plan(tests => 47, have_lwp);

my $base = base_url('/npm/');
my $alice = unique('alice');
my $bob = unique('bob');
my $ta = adduser($base, $alice, 'alice-pass-1');
my $tb = adduser($base, $bob, 'bob-pass-1');
my $name = unique('demo');

# First version.
my $tgz1 = make_tarball(name => $name, version => '1.0.0');
my $res = req(PUT => "$base$name", token => $ta,
              body => publish_body(name => $name, version => '1.0.0',
                                   tarball => $tgz1));
is($res->code, 201, 'first publish is 201');
my $d = json_of($res);
ok $d && $d->{ok} && $d->{rev} =~ /^1-[0-9a-f]{32}$/;

# The full packument.
$res = req(GET => "$base$name");
is($res->code, 200, 'packument found');
is(scalar $res->header('Content-Type'), 'application/json');
$d = json_of($res);
is($d->{name}, $name);
is($d->{_id}, $name);
is($d->{'dist-tags'}{latest}, '1.0.0', 'latest set');
my $v = $d->{versions}{'1.0.0'};
is($v->{dist}{shasum}, sha1_hex($tgz1), 'registry computed shasum');
is($v->{dist}{integrity}, sri512($tgz1), 'registry computed sha512');
is($v->{dist}{tarball}, "$base$name/-/$name-1.0.0.tgz",
         'tarball link follows the request');
is($v->{_npmUser}{name}, $alice, '_npmUser is the publisher');
is($d->{maintainers}[0]{name}, $alice, 'publisher is maintainer');
is($d->{readme}, "# $name\n", 'readme moved to the top level');
ok !exists $v->{readme};
ok $d->{time}{created} && $d->{time}{'1.0.0'} && $d->{time}{modified};
ok $d->{_rev} =~ /^1-/;

# The tarball, exactly as published, with no Content-Encoding.
$res = req(GET => $v->{dist}{tarball});
is($res->code, 200, 'tarball served');
ok $res->content eq $tgz1;
ok !defined $res->header('Content-Encoding');

# A later version, and one under another tag.
$res = publish($base, $ta, name => $name, version => '1.1.0');
is($res->code, 201, 'second version');
$res = publish($base, $ta, name => $name, version => '2.0.0-beta.1',
               tag => 'next');
is($res->code, 201, 'prerelease under next');
$d = json_of(req(GET => "$base$name"));
is($d->{'dist-tags'}{latest}, '1.1.0', 'latest kept');
is($d->{'dist-tags'}{next}, '2.0.0-beta.1', 'next set');
is(scalar keys %{ $d->{versions} }, 3);
ok $d->{_rev} =~ /^3-/;

# Version and tag documents.
$d = json_of(req(GET => "$base$name/1.1.0"));
is($d->{version}, '1.1.0', 'GET /name/version');
$d = json_of(req(GET => "$base$name/next"));
is($d->{version}, '2.0.0-beta.1', 'GET /name/tag');
is($d->{dist}{tarball}, "$base$name/-/$name-2.0.0-beta.1.tgz");
is(req(GET => "$base$name/9.9.9")->code, 404, 'missing version 404');

# The abbreviated form.
$res = req(GET => "$base$name", headers => { Accept =>
    'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*' });
is(scalar $res->header('Content-Type'),
         'application/vnd.npm.install-v1+json', 'abbreviated type');
$d = json_of($res);
ok $d->{modified} && !exists $d->{readme} && !exists $d->{time};
ok !exists $d->{versions}{'1.0.0'}{description};
is($d->{versions}{'1.0.0'}{dist}{tarball},
         "$base$name/-/$name-1.0.0.tgz");
$res = req(GET => "$base$name", headers => { Accept =>
    'application/vnd.npm.install-v1+json;q=0, application/json' });
ok exists json_of($res)->{readme}, 'q=0 gets the full form';

# ETag and 304.
$res = req(GET => "$base$name");
my $etag = $res->header('ETag');
ok $etag && $etag =~ /^"3-/;
$res = req(GET => "$base$name", headers => { 'If-None-Match' => $etag });
is($res->code, 304, 'If-None-Match gives 304');
$res = req(GET => "$base$name", headers => {
    'If-None-Match' => $etag,
    Accept => 'application/vnd.npm.install-v1+json' });
is($res->code, 200, 'the other form has its own ETag');

# Republishing an existing version is refused, the tarball stays.
$res = publish($base, $ta, name => $name, version => '1.0.0',
               index => 'changed');
is($res->code, 409, 'republish refused');
ok json_of($res)->{error} =~ /previously published version 1\.0\.0/;
ok req(GET => "$base$name/-/$name-1.0.0.tgz")->content eq $tgz1;

# Who may publish.
$res = publish($base, $tb, name => $name, version => '3.0.0');
is($res->code, 403, 'non-maintainer refused');
$res = publish($base, undef, name => $name, version => '3.0.0');
is($res->code, 401, 'anonymous refused');
ok $res->header('WWW-Authenticate') =~ /^Bearer/;
$res = publish($base, 'tsr_not-a-real-token', name => $name,
               version => '3.0.0');
is($res->code, 401, 'unknown token refused');

# Scoped names, both URL forms, one store.
my $scoped = "\@$bob/widget";     # bob's own scope
$res = publish($base, $tb, name => $scoped, version => '0.1.0');
is($res->code, 201, 'scoped publish via %2f');
(my $esc = $scoped) =~ s{/}{%2F};
$d = json_of(req(GET => "$base$esc"));
is($d->{versions}{'0.1.0'}{dist}{tarball},
         "$base$scoped/-/widget-0.1.0.tgz", 'scoped tarball link');
$d = json_of(req(GET => "$base$scoped"));
is($d->{name}, $scoped, 'literal slash form too');
