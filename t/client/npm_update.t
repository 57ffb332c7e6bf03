# The everyday commands after an install, with the real npm: npm outdated
# sees a newer version, npm update takes it, npm ci reinstalls exactly the
# lockfile with an empty cache, and all of it still works after a
# deprecation, a dist-tag move and the unpublish of a version.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use File::Path qw(mkpath rmtree);
use TsciTest qw(base_url adduser publish unique t_var npm_token_env npm_env
                run_npm write_file req json_of);

Apache::Test::plan(tests => 13, sub { system('npm --version >/dev/null 2>&1') == 0 });

my $base = base_url('/npm/');
my $user = unique('upd');
my $tok = adduser($base, $user, 'upd-pass-1');
my $lib = unique('updlib');
is publish($base, $tok, name => $lib, version => $_)->code, 201,
   "published $lib $_" for '1.0.0', '1.1.0';
my $env = npm_token_env('npm-update', $base, $tok);
my $app = t_var() . '/npm-update-app';
rmtree($app);
mkpath($app);
write_file("$app/package.json",
           qq({"name": "app", "version": "1.0.0", "private": true,\n)
           . qq( "dependencies": {"$lib": "^1.0.0"}}\n));
my ($rc, $out) = run_npm($env, $app, 'install', "--registry=$base");
is $rc, 0, 'npm install' or diag $out;
my $installed = sub {
    my $pj = do { local (@ARGV, $/) = "$app/node_modules/$lib/package.json";
                  <> } // '';
    return $pj =~ /"version":\s*"([^"]+)"/ ? $1 : '';
};
is $installed->(), '1.1.0', 'the newest matching version';

is publish($base, $tok, name => $lib, version => '1.2.0')->code, 201,
   'a newer version appears';
($rc, $out) = run_npm($env, $app, 'outdated', "--registry=$base",
                      '--prefer-online');
is $rc, 1, 'npm outdated exits 1: something is outdated' or diag $out;
like $out, qr/\Q$lib\E\s+1\.1\.0\s+1\.2\.0\s+1\.2\.0/,
     'and names it with current, wanted and latest';
($rc, $out) = run_npm($env, $app, 'update', "--registry=$base",
                      '--prefer-online');
is $rc, 0, 'npm update' or diag $out;
is $installed->(), '1.2.0', 'takes 1.2.0';

# Deprecate one version, move a tag, unpublish another: installs go on.
($rc, $out) = run_npm($env, $app, 'deprecate', "$lib\@1.0.0", 'old',
                      "--registry=$base");
is $rc, 0, 'npm deprecate' or diag $out;
($rc, $out) = run_npm($env, $app, 'unpublish', "$lib\@1.1.0",
                      "--registry=$base");
is $rc, 0, 'npm unpublish of a version nobody installed' or diag $out;

# npm ci: exactly the lockfile, from an empty cache.
rmtree("$app/node_modules");
my $fresh = npm_token_env('npm-update-ci', $base, $tok);
($rc, $out) = run_npm($fresh, $app, 'ci', "--registry=$base");
is $rc, 0, 'npm ci with an empty cache' or diag $out;
is $installed->(), '1.2.0', 'installs what the lockfile says';
