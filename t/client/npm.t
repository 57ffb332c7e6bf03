# The real npm client against the registry: legacy adduser, publish of
# unscoped and scoped packages (several versions, one under --tag next),
# npm view, npm install into a fresh project with an empty cache, require()
# of what was installed, and a republish the registry refuses.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use File::Path qw(mkpath rmtree);
use TsciTest qw(base_url npm_env run_npm npm_adduser unique t_var
                write_file);

Apache::Test::plan(tests => 27, need_npm());

sub need_npm {
    return 1 if system('npm --version >/dev/null 2>&1') == 0;
    return 0;
}

# A package directory as an author has it.
sub make_package {
    my ($dir, %pj) = @_;
    rmtree($dir);
    mkpath($dir);
    my $deps = $pj{dependencies}
        ? ', "dependencies": {' . join(', ', map { qq("$_": "$pj{dependencies}{$_}") }
                                        sort keys %{ $pj{dependencies} }) . '}'
        : '';
    write_file("$dir/package.json", qq({"name": "$pj{name}", "version": "$pj{version}", )
        . qq("main": "index.js", "license": "MIT", "description": "$pj{name} for tests"$deps}\n));
    write_file("$dir/index.js", $pj{index});
    write_file("$dir/README.md", "# $pj{name}\n");
}

my $registry = base_url('/npm/');
my $env = npm_env('client');
my $work = t_var() . '/npm-client-work';
rmtree($work);
mkpath($work);
my $user = unique('npmuser');
my $lib = unique('greeting');
# A scope is someone's: the user's own name is theirs.
my $scope = $user;
my $scoped = "\@$scope/app-lib";

# Log in the way a person does.
my ($ok, $transcript) = npm_adduser($env, $registry, $user, 'npm-pass-123',
                                    "$user\@example.com");
ok $ok, 'npm adduser --auth-type=legacy' or diag $transcript;
my ($rc, $out) = run_npm($env, $work, 'whoami', "--registry=$registry");
is $rc, 0, 'npm whoami' or diag $out;
like $out, qr/^\Q$user\E$/m, 'whoami names the user';

# Unscoped package, three versions, the last under --tag next.
for my $v ('1.0.0', '1.1.0') {
    make_package("$work/$lib", name => $lib, version => $v,
                 index => "module.exports = 'hello from $lib $v';\n");
    ($rc, $out) = run_npm($env, "$work/$lib", 'publish',
                          "--registry=$registry");
    is $rc, 0, "npm publish $lib\@$v" or diag $out;
    like $out, qr/\+ \Q$lib\E\@\Q$v\E/, "npm reports $v published";
}
make_package("$work/$lib", name => $lib, version => '2.0.0-rc.0',
             index => "module.exports = 'hello from $lib next';\n");
($rc, $out) = run_npm($env, "$work/$lib", 'publish', '--tag', 'next',
                      "--registry=$registry");
is $rc, 0, 'npm publish --tag next' or diag $out;

# Scoped package depending on the unscoped one.
make_package("$work/scoped", name => $scoped, version => '1.0.0',
             dependencies => { $lib => '^1.0.0' },
             index => "module.exports = () => 'app-lib says: ' + require('$lib');\n");
($rc, $out) = run_npm($env, "$work/scoped", 'publish', '--access', 'public',
                      "--registry=$registry");
is $rc, 0, "npm publish $scoped" or diag $out;

# npm view sees what was published.
($rc, $out) = run_npm($env, $work, 'view', $lib, "--registry=$registry");
is $rc, 0, 'npm view' or diag $out;
like $out, qr/latest: 1\.1\.0/, 'view: latest is 1.1.0';
like $out, qr/next: 2\.0\.0-rc\.0/, 'view: next is the prerelease';
like $out, qr/published .* by \Q$user\E/, 'view: published by the user';
($rc, $out) = run_npm($env, $work, 'view', "$lib\@next", 'version',
                      "--registry=$registry");
like $out, qr/^2\.0\.0-rc\.0$/m, 'view name@next version';
($rc, $out) = run_npm($env, $work, 'view', $scoped, 'dependencies',
                      "--registry=$registry", '--json');
like $out, qr/"\Q$lib\E": "\^1\.0\.0"/, 'view of the scoped package';

# A republish: npm's own check is skipped with --force, the registry
# refuses on its own.
make_package("$work/$lib", name => $lib, version => '1.1.0',
             index => "module.exports = 'tampered';\n");
($rc, $out) = run_npm($env, "$work/$lib", 'publish', '--force',
                      "--registry=$registry");
isnt $rc, 0, 'republish of 1.1.0 fails';
like $out, qr/409 Conflict/, 'with the registry\'s 409';
like $out, qr/previously published version 1\.1\.0/,
     'and the registry\'s reason';

# Install into a fresh project with an empty cache, as a user would.
my $app = "$work/app";
mkpath($app);
write_file("$app/package.json", qq({"name": "app", "version": "1.0.0", "private": true}\n));
my $fresh = npm_env('client-install');
($rc, $out) = run_npm($fresh, $app, 'install', $scoped,
                      "--registry=$registry");
is $rc, 0, "npm install $scoped with an empty cache" or diag $out;
like $out, qr/added 2 packages/, 'both packages installed';
ok -f "$app/node_modules/$lib/package.json", 'dependency on disk';
my $said = `cd \Q$app\E && node -e "console.log(require('$scoped')())" 2>&1`;
is $said, "app-lib says: hello from $lib 1.1.0\n",
   'require() of the installed package runs the published code';
open my $lock, '<', "$app/package-lock.json" or die $!;
my $lockfile = do { local $/; <$lock> };
like $lockfile, qr{"resolved": "\Q${registry}${scoped}\E/-/app-lib-1\.0\.0\.tgz"},
     'lockfile resolves to this registry';
like $lockfile, qr/"integrity": "sha512-/, 'lockfile has sha512 integrity';

# The registry at the root of the URL space of another server, with its
# own store: the administrator's whole config is LoadModule, DataDir and
# a Location.
my $root = base_url('/', 'tsci_root');
my $renv = npm_env('client-root');
($ok, $transcript) = npm_adduser($renv, $root, $user, 'npm-pass-123',
                                 "$user\@example.com");
ok $ok, 'adduser on the root registry' or diag $transcript;
($rc, $out) = run_npm($renv, "$work/scoped", 'publish', '--access',
                      'public', "--registry=$root");
# The dependency is not in this store: publish still works.
is $rc, 0, 'scoped publish at the root' or diag $out;
($rc, $out) = run_npm($renv, $work, 'view', $scoped, 'dist.tarball',
                      "--registry=$root");
like $out, qr{^\Q${root}${scoped}\E/-/app-lib-1\.0\.0\.tgz$}m,
     'tarball link under the root registry';
