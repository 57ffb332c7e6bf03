# Bun 1 against the registry, configured as docs/access-control.md says
# (bunfig.toml, or npm's .npmrc): installs of an unscoped and a scoped
# package from an empty cache, from the public /npm/, the private
# /private/ with a token, and /basic/ with Apache Basic credentials (npm's
# _auth in .npmrc, and bunfig's username and password); bun.lock pins
# this registry's tarball URLs; a refused anonymous install; bun publish
# and the packument it leaves.  The test config labels .tgz files gzip'd
# (AddEncoding), which Bun would fail on if the registry passed that on.
use strict;
use warnings;
use Apache::Test qw(-withtestmore);
use MIME::Base64 qw(encode_base64);
use TsciTest qw(base_url adduser unique client_bin need_client client_not_prefork client_env
                run_client logged write_file slurp publish_pair
                installed_says npmrc_key url_path write_publishable
                check_published);

Apache::Test::plan(tests => 48, Apache::Test::need(need_client('bun'),
    client_not_prefork('Bun')));

my $bun = client_bin('bun');
my $npm = base_url('/npm/');
my $private = base_url('/private/');
my $basic = base_url('/basic/');
my $user = unique('bunuser');
my $token = adduser($npm, $user, 'bun-pass-1');
my ($dep, $scoped) = publish_pair($npm, $token, 'bn');

# A project depending on both packages, with these config files.
sub project {
    my ($tag, %files) = @_;
    my $env = client_env("bun-$tag");
    write_file("$env->{dir}/package.json", qq({"name": "app", "version": "1.0.0", )
        . qq("private": true, "dependencies": {"$dep": "^1.0.0", "$scoped": "^1.0.0"}}\n));
    write_file("$env->{dir}/$_", $files{$_}) for keys %files;
    return $env;
}

# A successful install from $registry by $who: it runs, bun.lock pins
# both tarballs at this registry with their sha512, and the access log
# shows them fetched there by $who.  Six tests.
sub installed_from {
    my ($env, $registry, $who, $label) = @_;
    my $p = url_path($registry);
    # Earlier installs from the same registry fetched the same tarballs.
    my @tgz = ("$p$dep/-/$dep-1.0.0.tgz", "$p$scoped/-/lib-1.0.0.tgz");
    my %before = map { $_ => logged(GET => $_, 200, $who) } @tgz;
    my ($rc, $out) = run_client($env, $bun, 'install');
    is $rc, 0, "$label: install with an empty cache" or diag $out;
    is installed_says($env->{dir}, $scoped), "lib+$dep\@1.0.0\n",
       "$label: require() of the installed packages runs them";
    my $lock = slurp("$env->{dir}/bun.lock");
    like $lock, qr{"\Q$dep\E": \["\Q$dep\E\@1\.0\.0", "\Q$registry$dep\E/-/\Q$dep\E-1\.0\.0\.tgz", \{\}, "sha512-[^"]+"\]},
         "$label: bun.lock pins the unscoped tarball here";
    like $lock, qr{"\Q$scoped\E": \["\Q$scoped\E\@1\.0\.0", "\Q$registry$scoped\E/-/lib-1\.0\.0\.tgz", \{[^\]]*\}, "sha512-[^"]+"\]},
         "$label: and the scoped one";
    for my $t (@tgz) {
        is logged(GET => $t, 200, $who) - $before{$t}, 1,
           "$label: GET $t by $who, 200";
    }
}

# ---- The public registry ----
installed_from(project('public',
                       'bunfig.toml' => qq([install]\nregistry = "$npm"\n)),
               $npm, '-', 'public');

# ---- The private registry, with a token in bunfig.toml, or .npmrc ----
installed_from(project('private', 'bunfig.toml' =>
                   qq([install]\nregistry = { url = "$private", token = "$token" }\n)),
               $private, $user, 'private, bunfig.toml');
installed_from(project('private-npmrc', '.npmrc' =>
                   "registry=$private\n" . npmrc_key($private)
                   . ":_authToken=$token\n"),
               $private, $user, 'private, .npmrc');

# ---- The private registry, no credentials ----
my $env = project('anon',
                  'bunfig.toml' => qq([install]\nregistry = "$private"\n));
my ($rc, $out) = run_client($env, $bun, 'install');
isnt $rc, 0, 'install from /private/ without credentials fails';
like $out, qr{^error: GET \Q$private$dep\E - 401$}m,
     'Bun: error: GET <url> - 401';
like $out, qr{^error: \Q$dep\E\@\^1\.0\.0 failed to resolve$}m,
     'and the package failed to resolve';
ok !-e "$env->{dir}/node_modules/$dep", 'nothing installed';

# ---- /basic/: Apache Basic credentials ----
my $auth = encode_base64('basicuser:basic-pass-1', '');
installed_from(project('basic-npmrc', '.npmrc' =>
                   "registry=$basic\n" . npmrc_key($basic) . ":_auth=$auth\n"),
               $basic, 'basicuser', 'basic, _auth in .npmrc');
installed_from(project('basic', 'bunfig.toml' => qq([install]\nregistry = )
                   . qq({ url = "$basic", username = "basicuser", password = "basic-pass-1" }\n)),
               $basic, 'basicuser', 'basic, bunfig.toml');

# ---- bun publish ----
my $pub = "\@$user/tool";     # the publisher's own scope
$env = client_env('bun-publish');
my $readme = "# tool\n\nPublished with Bun.\n";
my $pj = write_publishable($env->{dir}, $pub, $dep, $readme);
write_file("$env->{dir}/bunfig.toml",
           qq([install]\nregistry = { url = "$npm", token = "$token" }\n));
($rc, $out) = run_client($env, $bun, 'publish');
is $rc, 0, 'bun publish' or diag $out;
like $out, qr/^ \+ \Q$pub\E\@1\.0\.0$/m, 'Bun reports it published';
my $doc = check_published($npm, $pj, $user);
is $doc->{readme}, $readme, 'the readme';
