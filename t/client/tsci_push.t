# The real tsci CLI (@tscircuit/cli from the npm registry, on Bun) against
# the module's tscircuit API, as spec/tscircuit-api.md 7.4 configures it
# (registryApiUrl, and the token as TSCIRCUIT_TOKEN): tsci push of a new
# package, a second push that finds its version taken and bumps it, a push
# with --version-tag (a prerelease, not latest), tsci clone of the latest
# release (its files as pushed, a binary one byte for byte), tsci search;
# then the pushed package is installed as @tsci/<owner>.<name> by the real
# npm client and by Bun in fresh projects, with the files on disk equal to
# what was pushed.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use JSON::PP ();
use TsciTest qw(base_url req json_of adduser unique slurp write_file
                tsci_missing tsci_env run_tsci npm_token_env run_npm
                client_env run_client client_bin npmrc_key
                client_not_prefork);

my $missing = tsci_missing();
if ($missing && $ENV{CI}) {
    print "1..1\nnot ok 1 - $missing\n";
    exit 1;
}
Apache::Test::plan(tests => 32, $missing ? Apache::Test::skip_reason($missing)
    : Apache::Test::need(have_lwp, client_not_prefork('tsci')));

my $api = base_url('/api/');
my $npm = base_url('/npm/');
my $user = unique('tpush');
my $token = adduser($npm, $user, 'tsci-push-password');
my $env = tsci_env('tsci-push', $api);
my $dir = $env->{dir};
my $npm_name = "\@tsci/$user.led-board";

my $tsx = <<'EOF_TSX';
export default () => (
  <board width="10mm" height="10mm">
    <resistor name="R1" resistance="1k" footprint="0402" pcbX={2} />
  </board>
)
EOF_TSX
my $png = "\x89PNG\r\n\x1a\n\0\0\xff\xfe" . join('', map { chr } 0 .. 255);
write_file("$dir/package.json", JSON::PP->new->encode({
    name => $npm_name, version => '1.0.0', main => 'index.tsx' }));
write_file("$dir/index.tsx", $tsx);
mkdir "$dir/assets";
open my $fh, '>:raw', "$dir/assets/logo.png" or die $!;
print $fh $png;
close $fh;

sub tsci {
    local $ENV{TSCIRCUIT_TOKEN} = $token;
    return run_tsci($env, @_);
}
sub api {
    my ($route, $params) = @_;
    return json_of(req(POST => "$api$route", body => $params));
}

# ---- a new package ----
my ($rc, $out) = tsci('push');
is $rc, 0, 'tsci push of a new package exits 0' or diag $out;
like $out, qr/Package created/, 'it created the package';
sub published { my $v = shift; return qr/\Q"$npm_name\E\@\Q$v" published!\E/ }
like $out, published('1.0.0'), 'and published 1.0.0';
my $pkg = api('packages/get', { name => "$user/led-board" })->{package};
is $pkg->{latest_version}, '1.0.0', 'the API has it, latest 1.0.0';
my $files = api('package_files/list', {
    package_name_with_version => "$user/led-board\@1.0.0" })->{package_files};
is_deeply [sort map { $_->{file_path} } @$files],
    ['assets/logo.png', 'index.tsx', 'package.json'],
    'with the project\'s files';

# ---- a second push: the version is taken, tsci bumps it ----
write_file("$dir/index.tsx", $tsx . "// second\n");
$tsx .= "// second\n";
($rc, $out) = tsci('push');
is $rc, 0, 'a second push exits 0' or diag $out;
like $out, qr/Incrementing Package Version 1\.0\.0 -> 1\.0\.1/,
    'tsci found 1.0.0 taken and bumped the version';
like $out, published('1.0.1'), 'and published 1.0.1';
like slurp("$dir/package.json"), qr/"version":\s*"1\.0\.1"/,
    'writing it back into package.json';

# ---- --version-tag: a prerelease, not latest ----
($rc, $out) = tsci('push', '--version-tag', 'beta');
is $rc, 0, 'push --version-tag beta exits 0' or diag $out;
like $out, published('1.0.1-beta'),
    'published 1.0.1-beta';
my $rels = api('package_releases/list',
               { package_name => "$user/led-board" })->{package_releases};
is_deeply [map { $_->{version} } @$rels], ['1.0.0', '1.0.1', '1.0.1-beta'],
    'three releases, in the order pushed';
is_deeply [map { $_->{version} } grep { $_->{is_latest} } @$rels], ['1.0.1'],
    'the prerelease is not latest';
ok !grep({ !$_->{ready_to_build} } @$rels), 'each was finished';

# ---- tsci clone: the latest release's files ----
my $cenv = tsci_env('tsci-clone', $api);
# After the files, tsci clone installs tscircuit's dev dependencies into
# the new project: hundreds of packages from the public registry, not
# what this tests, and on a loaded machine longer than the client's time
# limit.  That install asks this registry instead, which has none of
# them: it fails at once, and tsci says so and finishes the clone.
write_file("$cenv->{home}/.npmrc", "registry=$npm\n");
write_file("$cenv->{home}/.bunfig.toml",
           "[install]\nregistry = \"$npm\"\n");
($rc, $out) = run_tsci($cenv, 'clone', "$user/led-board");
like $out, qr/Successfully cloned/, 'tsci clone' or diag $out;
my $cloned = "$cenv->{dir}/led-board";
is slurp("$cloned/index.tsx"), $tsx, 'the text file of the latest release';
ok slurp("$cloned/assets/logo.png") eq $png,
    'the binary file byte for byte';

# ---- tsci search ----
($rc, $out) = tsci('search', 'led-board');
like $out, qr/\Q$user\E\/led-board \(v1\.0\.1\)/,
    'tsci search finds it, latest version';

# ---- npm install and bun add of the pushed package ----
my $nenv = npm_token_env('tsci-push', $npm, $token);
my $ndir = "$nenv->{home}/project";
File::Path::mkpath($ndir);
write_file("$ndir/package.json", '{"name":"consumer","version":"1.0.0"}');
write_file("$ndir/.npmrc", "\@tsci:registry=$npm\n");
($rc, $out) = run_npm($nenv, $ndir, 'install', $npm_name);
is $rc, 0, 'npm install of the pushed package' or diag $out;
my $inst = "$ndir/node_modules/$npm_name";
like slurp("$inst/package.json"), qr/"version":\s*"1\.0\.1"/,
    'npm installs latest, 1.0.1';
is slurp("$inst/index.tsx"), $tsx, 'npm: the text file as pushed';
ok slurp("$inst/assets/logo.png") eq $png, 'npm: the binary byte for byte';
($rc, $out) = run_npm($nenv, $ndir, 'view', $npm_name, 'versions', '--json');
my $versions = eval { JSON::PP->new->decode($out) } || [];
is_deeply [sort @$versions], ['1.0.0', '1.0.1', '1.0.1-beta'],
    'npm view lists every pushed version';
($rc, $out) = run_npm($nenv, $ndir, 'view', $npm_name, 'dist-tags.latest');
like $out, qr/^1\.0\.1$/m, 'and latest is 1.0.1';
($rc, $out) = run_npm($nenv, $ndir, 'install', "$npm_name\@1.0.0");
is $rc, 0, 'npm install of the first version' or diag $out;
unlike slurp("$inst/index.tsx"), qr/second/, 'which has the first text';

my $benv = client_env('tsci-push-bun');
write_file("$benv->{dir}/package.json", '{"name":"consumer","version":"1.0.0"}');
write_file("$benv->{dir}/.npmrc", "\@tsci:registry=$npm\n"
           . npmrc_key($npm) . ":_authToken=$token\n");
($rc, $out) = run_client($benv, client_bin('bun'), 'add', $npm_name);
is $rc, 0, 'bun add of the pushed package' or diag $out;
my $binst = "$benv->{dir}/node_modules/$npm_name";
is slurp("$binst/index.tsx"), $tsx, 'bun: the text file as pushed';
ok slurp("$binst/assets/logo.png") eq $png, 'bun: the binary byte for byte';

# ---- a push by someone else into this owner is refused ----
my $other = adduser($npm, unique('tpushother'), 'other-push-password');
my $oenv = tsci_env('tsci-push-other', $api);
write_file("$oenv->{dir}/package.json", JSON::PP->new->encode({
    name => $npm_name, version => '9.0.0', main => 'index.tsx' }));
write_file("$oenv->{dir}/index.tsx", "export default () => null\n");
{
    local $ENV{TSCIRCUIT_TOKEN} = $other;
    ($rc, $out) = run_tsci($oenv, 'push');
}
isnt $rc, 0, 'tsci push into another user\'s package fails';
like $out, qr/403|forbidden/i, 'refused as forbidden' or diag $out;
ok !grep({ $_->{version} eq '9.0.0' } @{ api('package_releases/list',
        { package_name => "$user/led-board" })->{package_releases} }),
    'and made no release';
