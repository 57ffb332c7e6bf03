# Yarn 4 against the registry, configured in .yarnrc.yml as
# docs/access-control.md says: installs of an unscoped and a scoped package
# from an empty cache, from the public /npm/, the private /private/ with a
# token and npmAlwaysAuth, and /basic/ with Apache Basic credentials
# (npmAuthIdent); without npmAlwaysAuth Yarn reads unscoped packages
# anonymously, so the private registry refuses them; an anonymous install
# refused; yarn npm publish and the packument it leaves.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use TsciTest qw(base_url adduser unique client_bin need_client client_not_prefork client_env
                run_client logged write_file slurp publish_pair
                installed_says url_path write_publishable check_published);

Apache::Test::plan(tests => 46, Apache::Test::need(need_client('yarn'),
    client_not_prefork('Yarn')));

my $yarn = client_bin('yarn');
my $npm = base_url('/npm/');
my $private = base_url('/private/');
my $basic = base_url('/basic/');
(my $host = $npm) =~ s{^http://([^:/]+).*}{$1};
my $user = unique('yarnuser');
my $token = adduser($npm, $user, 'yarn-pass-1');
my ($dep, $scoped) = publish_pair($npm, $token, 'yn');
(my $scoped_esc = $scoped) =~ s{/}{%2f};

# .yarnrc.yml for $registry with the lines of docs/access-control.md
# ($auth: npmAuthToken, npmAuthIdent, npmAlwaysAuth), and two of the
# test's own: telemetry would try to reach Yarn's server, and the
# node_modules linker leaves files that node's require() finds (Yarn's
# default, Plug'n'Play, would need its loader).
sub yarnrc {
    my ($registry, $auth) = @_;
    return qq(npmRegistryServer: "$registry"\n)
         . qq(unsafeHttpWhitelist: ["$host"]\n)
         . qq(npmMinimalAgeGate: 0\n)
         . ($auth // '')
         . qq(enableTelemetry: false\nnodeLinker: node-modules\n);
}

sub project {
    my ($tag, $registry, $auth) = @_;
    my $env = client_env("yarn-$tag");
    write_file("$env->{dir}/package.json", qq({"name": "app", "version": "1.0.0", )
        . qq("private": true, "dependencies": {"$dep": "^1.0.0", "$scoped": "^1.0.0"}}\n));
    write_file("$env->{dir}/.yarnrc.yml", yarnrc($registry, $auth));
    return $env;
}

# CI=true makes immutable installs Yarn's default, and there is no
# lockfile yet.
sub install {
    my $env = shift;
    return run_client($env, $yarn, 'install', '--no-immutable');
}

# yarn.lock names no URL: Yarn fetches from its configured registry and
# records a tarball only when dist.tarball points elsewhere
# (__archiveUrl).  The access log shows where it fetched them, by whom.
sub lock_and_fetches {
    my ($env, $registry, $who, $label) = @_;
    my $lock = slurp("$env->{dir}/yarn.lock");
    like $lock, qr/^  resolution: "\Q$dep\E\@npm:1\.0\.0"$/m,
         "$label: lockfile resolves the unscoped package";
    like $lock, qr/^  resolution: "\Q$scoped\E\@npm:1\.0\.0"$/m,
         "$label: and the scoped one";
    unlike $lock, qr/__archiveUrl/, "$label: no tarball URL off the registry";
    my $p = url_path($registry);
    for my $t ("$p$dep/-/$dep-1.0.0.tgz", "$p$scoped_esc/-/lib-1.0.0.tgz") {
        is logged(GET => $t, 200, $who), 1, "$label: GET $t by $who, 200";
    }
}

# yarn npm login --always-auth in $env, answering its prompts on a
# terminal: (ok, transcript).
sub yarn_login {
    my ($env, $name, $pass) = @_;
    require Expect;
    local $ENV{HOME} = $env->{home};
    local $ENV{XDG_CONFIG_HOME} = "$env->{home}/.config";
    my $e = Expect->new;
    $e->raw_pty(1);
    $e->log_stdout(0);
    chdir $env->{dir} or die "$env->{dir}: $!";
    $e->spawn($yarn, 'npm', 'login', '--always-auth') or return (0, "spawn: $!");
    my $ok = 1;
    for my $step (['Username:', $name], ['Password:', $pass]) {
        $ok = 0, last unless $e->expect(30, $step->[0]);
        $e->send("$step->[1]\r");
    }
    # A refusal ends Yarn: expect returns at its end of output then.
    $ok &&= defined $e->expect(30, 'Successfully logged in');
    my $text = ($e->before // '') . ($e->match // '') . ($e->after // '');
    $e->soft_close;
    chdir '/';
    return ($ok && ($e->exitstatus // 1) == 0, $text);
}

# ---- The public registry ----
my $env = project('public', $npm);
my ($rc, $out) = install($env);
is $rc, 0, 'install from /npm/ with an empty cache' or diag $out;
is installed_says($env->{dir}, $scoped), "lib+$dep\@1.0.0\n",
   'require() of the installed scoped package runs it and its dependency';
lock_and_fetches($env, $npm, '-', 'public');

# ---- The private registry, a token without npmAlwaysAuth ----
my $ppath = url_path($private);
$env = project('token-only', $private, qq(npmAuthToken: "$token"\n));
($rc, $out) = install($env);
isnt $rc, 0, 'install from /private/ with a token but no npmAlwaysAuth fails';
like $out, qr/YN0041: .*\Q$dep\E\@npm:\^1\.0\.0: Invalid authentication \(as an anonymous user\)/,
     'Yarn: invalid authentication, as an anonymous user';
is logged(GET => "$ppath$dep", 401, '-'), 1,
   'it asked for the unscoped package without the token';
is logged(GET => "$ppath$scoped_esc", 200, $user), 1,
   'and for the scoped one with it';
ok !-e "$env->{dir}/node_modules/$dep", 'nothing installed';

# ---- The private registry, the token and npmAlwaysAuth ----
$env = project('private', $private,
               qq(npmAuthToken: "$token"\nnpmAlwaysAuth: true\n));
($rc, $out) = install($env);
is $rc, 0, 'install from /private/ with the token and npmAlwaysAuth'
    or diag $out;
is installed_says($env->{dir}, $scoped), "lib+$dep\@1.0.0\n",
   'the installed packages run';
lock_and_fetches($env, $private, $user, 'private');

# ---- The private registry, no credentials ----
$env = project('anon', $private);
($rc, $out) = install($env);
isnt $rc, 0, 'install from /private/ without credentials fails';
like $out, qr/YN0041: .*Invalid authentication \(as an anonymous user\)/,
     'Yarn: invalid authentication, as an anonymous user';
ok !-e "$env->{dir}/node_modules/$dep", 'nothing installed';

# ---- /basic/: Apache Basic credentials as npmAuthIdent ----
$env = project('basic', $basic,
               qq(npmAuthIdent: "basicuser:basic-pass-1"\nnpmAlwaysAuth: true\n));
($rc, $out) = install($env);
is $rc, 0, 'install from /basic/ with npmAuthIdent' or diag $out;
is installed_says($env->{dir}, $scoped), "lib+$dep\@1.0.0\n",
   'the installed packages run';
my $bpath = url_path($basic);
is logged(GET => "$bpath$dep/-/$dep-1.0.0.tgz", 200, 'basicuser'), 1,
   'the unscoped tarball fetched as basicuser';
is logged(GET => "$bpath$scoped_esc/-/lib-1.0.0.tgz", 200, 'basicuser'), 1,
   'the scoped one too';

# ---- yarn npm login --always-auth, then an install from /private/ ----
# Yarn asks on a terminal; the token and npmAlwaysAuth go to the user's
# ~/.yarnrc.yml, the project's names only the registry.
$env = project('login', $private);
my ($ok, $said) = yarn_login($env, $user, 'yarn-pass-1');
ok $ok, 'yarn npm login --always-auth to /private/' or diag $said;
my $home_rc = slurp("$env->{home}/.yarnrc.yml");
like $home_rc, qr/^    npmAlwaysAuth: true$/m, '~/.yarnrc.yml: npmAlwaysAuth';
like $home_rc, qr/^    npmAuthToken: tsr_\S+$/m, '~/.yarnrc.yml: the token';
($rc, $out) = install($env);
is $rc, 0, 'install from /private/ with what yarn npm login stored'
    or diag $out;
is installed_says($env->{dir}, $scoped), "lib+$dep\@1.0.0\n",
   'the installed packages run';

# ---- yarn npm publish ----
my $pub = "\@$user/tool";     # the publisher's own scope
$env = client_env('yarn-publish');
my $readme = "# tool\n\nPublished with Yarn.\n";
my $pj = write_publishable($env->{dir}, $pub, $dep, $readme);
# Yarn asks for restricted access to a scoped package unless told
# otherwise, as the public registry's rules have it; this one is for all.
write_file("$env->{dir}/.yarnrc.yml", yarnrc($npm, qq(npmAuthToken: "$token"\n)
                                              . "npmPublishAccess: public\n"));
# Yarn publishes only a project it has installed.
($rc, $out) = install($env);
is $rc, 0, 'yarn install before publishing' or diag $out;
($rc, $out) = run_client($env, $yarn, 'npm', 'publish');
is $rc, 0, 'yarn npm publish' or diag $out;
like $out, qr/Package archive published/, 'Yarn reports it published';
my $doc = check_published($npm, $pj, $user);
# Yarn sends the readme at the top level of its publish body only
# (other-clients.md 2.6).
is $doc->{readme}, $readme, 'the readme';
