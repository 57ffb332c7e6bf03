# pnpm 10 against the registry, configured as docs/access-control.md says
# (the registry in the project's .npmrc, credentials in the user's
# ~/.npmrc): installs of an unscoped and a scoped package from an empty
# store, from the public /npm/, the private /private/ with a token and
# /basic/ with Apache Basic credentials (_auth); a refused anonymous
# install from /private/; pnpm publish (which runs npm's) and the
# packument it leaves.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use MIME::Base64 qw(encode_base64);
use TsciTest qw(base_url adduser unique client_bin
                need_client client_not_prefork client_env run_client logged write_file
                slurp publish_pair installed_says npmrc_key url_path
                write_publishable check_published);

Apache::Test::plan(tests => 38, Apache::Test::need(need_client('pnpm'),
    client_not_prefork('pnpm')));

my $pnpm = client_bin('pnpm');
my $npm = base_url('/npm/');
my $private = base_url('/private/');
my $basic = base_url('/basic/');
my $user = unique('pnpmuser');
my $token = adduser($npm, $user, 'pnpm-pass-1');
my ($dep, $scoped) = publish_pair($npm, $token, 'pn');
(my $scope_dir = $scoped) =~ s{/lib$}{};

# A project depending on both packages: the registry in its .npmrc, the
# user's ~/.npmrc with $user_rc (credentials).
sub project {
    my ($tag, $registry, $user_rc, $project_rc) = @_;
    my $env = client_env("pnpm-$tag");
    write_file("$env->{dir}/package.json", qq({"name": "app", "version": "1.0.0", )
        . qq("private": true, "dependencies": {"$dep": "^1.0.0", "$scoped": "^1.0.0"}}\n));
    write_file("$env->{dir}/.npmrc", "registry=$registry\n" . ($project_rc // ''));
    # No daily update check: it would add a GET of /pnpm outside CI only.
    write_file("$env->{home}/.npmrc", "update-notifier=false\n" . ($user_rc // ''));
    return $env;
}

# CI=true makes --frozen-lockfile pnpm's default, and there is no lockfile
# yet.
sub install {
    my $env = shift;
    return run_client($env, $pnpm, 'install', '--no-frozen-lockfile');
}

# Both tarballs were fetched from $registry, answered 200, by $who ("-"
# for nobody): the access log's %u is the user the registry saw.
sub tarballs_fetched {
    my ($registry, $who, $label) = @_;
    my $p = url_path($registry);
    for my $t ("$p$dep/-/$dep-1.0.0.tgz", "$p$scoped/-/lib-1.0.0.tgz") {
        is logged(GET => $t, 200, $who), 1, "$label: GET $t by $who, 200";
    }
}

# ---- The public registry ----
my $env = project('public', $npm);
my ($rc, $out) = install($env);
is $rc, 0, 'install from /npm/ with an empty store' or diag $out;
is installed_says($env->{dir}, $scoped), "lib+$dep\@1.0.0\n",
   'require() of the installed scoped package runs it and its dependency';
ok -f "$env->{dir}/node_modules/$dep/index.js", 'the unscoped package on disk';
my $lock = slurp("$env->{dir}/pnpm-lock.yaml");
like $lock, qr/^  \Q$dep\E\@1\.0\.0:\n    resolution: \{integrity: sha512-[^,\}]+\}$/m,
     'lockfile: the unscoped package, by integrity only';
like $lock, qr/^  '\Q$scoped\E\@1\.0\.0':\n    resolution: \{integrity: sha512-[^,\}]+\}$/m,
     'lockfile: the scoped package, by integrity only';
# pnpm writes a tarball URL only when dist.tarball is not where it would
# look itself (the configured registry, the package's path): none here.
unlike $lock, qr/tarball:/, 'lockfile: no tarball URL elsewhere than the registry';
tarballs_fetched($npm, '-', 'public');

# ---- The private registry, with a token ----
my $key = npmrc_key($private);
# The lockfile with URLs, to see them (pnpm otherwise rebuilds them from
# the configured registry).
$env = project('private', $private, "$key:_authToken=$token\n",
               "lockfile-include-tarball-url=true\n");
($rc, $out) = install($env);
is $rc, 0, 'install from /private/ with the token in ~/.npmrc' or diag $out;
is installed_says($env->{dir}, $scoped), "lib+$dep\@1.0.0\n",
   'the installed packages run';
$lock = slurp("$env->{dir}/pnpm-lock.yaml");
like $lock, qr{resolution: \{integrity: sha512-[^,]+, tarball: \Q$private$dep\E/-/\Q$dep\E-1\.0\.0\.tgz\}},
     'lockfile: the unscoped tarball from /private/';
like $lock, qr{resolution: \{integrity: sha512-[^,]+, tarball: \Q$private$scoped\E/-/lib-1\.0\.0\.tgz\}},
     'lockfile: the scoped tarball from /private/';
tarballs_fetched($private, $user, 'private');
is logged(GET => url_path($private) . $dep, 200, $user), 1,
   'the packument was read with the token too';

# ---- The private registry, no credentials ----
$env = project('anon', $private);
($rc, $out) = install($env);
isnt $rc, 0, 'install from /private/ without credentials fails';
# (pnpm puts thin spaces, U+2009, around its error code.)
like $out, qr{ERR_PNPM_FETCH_401\S*\s+GET \Q$private\E\S+: Unauthorized - 401},
     'pnpm reports the 401 and the URL';
like $out, qr/No authorization header was set/, 'and that it sent none';
ok !-e "$env->{dir}/node_modules/$dep", 'nothing installed';

# ---- /basic/: Apache Basic credentials as npm's _auth ----
$key = npmrc_key($basic);
my $auth = encode_base64('basicuser:basic-pass-1', '');
$env = project('basic', $basic, "$key:_auth=$auth\n");
($rc, $out) = install($env);
is $rc, 0, 'install from /basic/ with _auth in ~/.npmrc' or diag $out;
is installed_says($env->{dir}, $scoped), "lib+$dep\@1.0.0\n",
   'the installed packages run';
unlike slurp("$env->{dir}/pnpm-lock.yaml"), qr/tarball:/,
     'lockfile: tarballs where pnpm looks for them';
tarballs_fetched($basic, 'basicuser', 'basic');

# ---- pnpm publish (npm's publish, run by pnpm) ----
my $pub = "\@$user/tool";     # the publisher's own scope
$env = client_env('pnpm-publish');
my $pj = write_publishable($env->{dir}, $pub, $dep,
                           "# tool\n\nPublished with pnpm.\n");
write_file("$env->{dir}/.npmrc", "registry=$npm\n");
write_file("$env->{home}/.npmrc", "update-notifier=false\n"
           . npmrc_key($npm) . ":_authToken=$token\n");
# The project lies inside the checkout's git tree, where pnpm would refuse
# to publish from a branch other than main or with untracked files.
($rc, $out) = run_client($env, $pnpm, 'publish', '--no-git-checks');
is $rc, 0, 'pnpm publish' or diag $out;
like $out, qr/^\+ \Q$pub\E\@1\.0\.0$/m, 'npm, run by pnpm, reports it published';
my $doc = check_published($npm, $pj, $user);
is $doc->{readme}, "# tool\n\nPublished with pnpm.\n", 'the readme';
