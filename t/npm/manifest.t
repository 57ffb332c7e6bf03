# Manifest confusion: what a version lists about installing it (scripts,
# dependencies, bin, ...) is what its tarball's package.json says, in the
# full and the abbreviated packument and the version document alike, and
# whatever the publish body claims about it is not listed.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use JSON::PP ();
use TsciTest qw(base_url req json_of make_tarball publish_body adduser
                unique);

Apache::Test::plan(tests => 32, have_lwp);

my $base = base_url('/npm/');
my $mc = unique('mc');
my $token = adduser($base, $mc, 'mc-pass-1');
my $json = JSON::PP->new->canonical;
my $corgi = 'application/vnd.npm.install-v1+json';

# Publish name@version whose tarball's package.json carries %$pkg, with
# %$claims in the body's manifest instead.
sub publish_with {
    my ($name, $version, $pkg, $claims) = @_;
    my $tgz = make_tarball(name => $name, version => $version,
        package_json => $json->encode({ name => $name, version => $version,
                                        %$pkg }));
    my $b = publish_body(name => $name, version => $version, tarball => $tgz,
                         extra => $claims);
    (my $esc = $name) =~ s{/}{%2f};
    return req(PUT => "$base$esc", token => $token, body => $b);
}

sub views {
    my ($name, $version) = @_;
    (my $esc = $name) =~ s{/}{%2f};
    my $full = json_of(req(GET => "$base$esc"));
    my $res = req(GET => "$base$esc", headers => { Accept => $corgi });
    is scalar $res->header('Content-Type'), $corgi, "$name: abbreviated form";
    my $abbrev = json_of($res);
    my $doc = json_of(req(GET => "$base$esc/$version"));
    return ($full->{versions}{$version}, $abbrev->{versions}{$version}, $doc);
}

# The body lists no scripts and no dependencies; the tarball has a
# postinstall script and a dependency.
my $name = unique('confused');
my $res = publish_with($name, '1.0.0',
    { scripts => { postinstall => 'node steal.js', test => 'tap' },
      dependencies => { 'left-pad' => '^1.0.0' },
      optionalDependencies => { fsevents => '^2.0.0' },
      engines => { node => '>=18' }, os => ['linux'] },
    { hasInstallScript => JSON::PP::false });
is $res->code, 201, 'a publish whose body hides the install script: 201';
my ($full, $abbrev, $doc) = views($name, '1.0.0');
is_deeply $full->{scripts}, { postinstall => 'node steal.js', test => 'tap' },
    'full: the tarball\'s scripts';
is_deeply $full->{dependencies}, { 'left-pad' => '^1.0.0' },
    'full: the tarball\'s dependencies';
ok $full->{hasInstallScript}, 'full: hasInstallScript';
is_deeply $abbrev->{dependencies}, { 'left-pad' => '^1.0.0' },
    'abbreviated: the tarball\'s dependencies';
is_deeply $abbrev->{optionalDependencies}, { fsevents => '^2.0.0' },
    'abbreviated: the tarball\'s optionalDependencies';
is_deeply $abbrev->{engines}, { node => '>=18' }, 'abbreviated: engines';
is_deeply $abbrev->{os}, ['linux'], 'abbreviated: os';
ok $abbrev->{hasInstallScript}, 'abbreviated: hasInstallScript';
ok !exists $abbrev->{scripts}, 'abbreviated: no scripts, as npm expects';
is_deeply $doc->{scripts}, $full->{scripts}, 'version document: scripts';
is_deeply $doc->{dependencies}, $full->{dependencies},
    'version document: dependencies';

# The body claims dependencies and an install script the tarball does not
# have: none of it is listed.
$name = unique('claims');
$res = publish_with($name, '1.0.0', {},
    { scripts => { install => 'echo hi' },
      dependencies => { 'not-in-tarball' => '1.0.0' },
      bin => { fake => 'fake.js' } });
is $res->code, 201, 'a publish whose body claims more: 201';
($full, $abbrev, $doc) = views($name, '1.0.0');
ok !exists $full->{scripts}, 'full: no scripts';
ok !exists $full->{dependencies}, 'full: no dependencies';
ok !exists $full->{bin}, 'full: no bin';
ok !exists $full->{hasInstallScript}, 'full: no hasInstallScript';
ok !exists $abbrev->{dependencies} && !exists $abbrev->{hasInstallScript},
    'abbreviated: neither';

# What npm itself rewrites keeps working: a string bin of a scoped package,
# and the node-gyp default npm adds for a binding.gyp.
$name = "\@$mc/tool";     # the user's own scope
$res = publish_with($name, '1.0.0', { bin => './bin/tool.js' },
                    { bin => { tool => 'bin/tool.js' } });
is $res->code, 201, 'scoped package with a string bin: 201';
($full, $abbrev, $doc) = views($name, '1.0.0');
is_deeply $full->{bin}, { tool => 'bin/tool.js' }, 'full: bin as npm makes it';
is_deeply $abbrev->{bin}, { tool => 'bin/tool.js' }, 'abbreviated: bin';

$name = unique('gyp');
$res = publish_with($name, '1.0.0', { dependencies => { nan => '^2.0.0' } },
    { scripts => { install => 'node-gyp rebuild' },
      gypfile => JSON::PP::true });
is $res->code, 201, 'native package as npm publishes it: 201';
($full, $abbrev, $doc) = views($name, '1.0.0');
is_deeply $full->{scripts}, { install => 'node-gyp rebuild' },
    'full: the node-gyp install script npm added';
ok $abbrev->{hasInstallScript}, 'abbreviated: hasInstallScript';
is_deeply $abbrev->{dependencies}, { nan => '^2.0.0' },
    'abbreviated: dependencies';

# A form of dependencies the registry does not rewrite is refused.
$name = unique('olddeps');
$res = publish_with($name, '1.0.0', { dependencies => 'a@1 b@2' }, {});
is $res->code, 400, 'dependencies as a string: 400';
like json_of($res)->{error}, qr/"dependencies" that is not an object/,
    'reason';
is req(GET => "$base$name")->code, 404, 'nothing stored';
