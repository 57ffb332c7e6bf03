# Releases become npm packages: a release pushed through tscircuit's API
# (tsci push's requests, spec 7.3) is version <version> of
# @tsci/<owner>.<name>, which the real npm client and Bun install from a
# fresh project configured as spec 7.4 says, with the files on disk equal,
# byte for byte, to what was pushed (a text and a binary file); its
# tarball is the same bytes on every install (the lockfile's integrity is
# the registry's, twice); a second push adds a version and moves latest;
# a release pushed the old way serves its own tarball; a private package
# is missing to anyone else, tarball included; and a package npm published
# under @tsci/ shows through packages/get and package_releases/list.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use TsciTest qw(base_url req json_of adduser unique npm_token_env run_npm
                write_file slurp sri512 make_tarball publish client_bin
                need_client client_env run_client npmrc_key);
use IO::Compress::Gzip qw(gzip $GzipError);
use MIME::Base64 qw(encode_base64);
use Digest::SHA qw(sha1_hex);
use File::Path ();
use JSON::PP ();
use Encode qw(decode_utf8);

Apache::Test::plan(tests => 58, need_client('bun'));

my $api = base_url('/api/');
my $npm = base_url('/npm/');
my $user = unique('tnpm');
my $other = unique('tnpmother');
my $token = adduser($npm, $user, 'secret-pass-1');
my $otoken = adduser($npm, $other, 'secret-pass-2');

sub call {
    my ($route, $params, $tok) = @_;
    my $res = req(POST => "$api$route", token => $tok // $token,
                  body => $params // {});
    return ($res, json_of($res));
}

my $png = join '', map { chr } (0x89, 0x50, 0x4e, 0x47, 0, 0, 0xff, 0xfe,
                                0x0d, 0x0a, 0x1a, 0x0a, 0x80, 0);
# Bytes, as on the pusher's disk: UTF-8 text (the API carries it as
# JSON text, decoded, and must give the same bytes back).
my $tsx = "export default () => <board width=\"10mm\" />\n\t// tab, \xc3\xa9\n";

sub files_of {
    my ($pkg, $version) = @_;
    return {
        'index.tsx' => $tsx,
        'dist/index.js' => "export default \"$version\";\n",
        'package.json' => qq({"name":"\@tsci/$pkg","version":"$version",)
            . qq("private":true,"license":"MIT","dependencies":{}}\n),
        'assets/logo.png' => $png,
    };
}

# tsci push of one version of $name (new package when $new), the way the
# CLI sends it: list, get/create, release, upload_archive, ready_to_build.
sub push_release {
    my ($name, $version, %o) = @_;
    my $files = $o{files} // files_of((split '/', $name)[1], $version);
    my ($res) = call('package_releases/list', { package_name => $name });
    ($res) = call('packages/get', { name => $name });
    if ($res->code == 404) {
        ($res) = call('packages/create',
                      { name => $name,
                        is_private => $o{private} ? JSON::PP::true
                                                  : JSON::PP::false });
        die 'create: ' . $res->content unless $res->code == 200;
    }
    ($res) = call('package_releases/create',
                  { package_name_with_version => "$name\@$version" });
    die 'release: ' . $res->content unless $res->code == 200;
    my @list;
    for my $p (sort keys %$files) {
        push @list, $p eq 'assets/logo.png'
            ? { file_path => $p, content_base64 => encode_base64($files->{$p}, '') }
            : { file_path => $p, content_text => decode_utf8($files->{$p}) };
    }
    my $json = JSON::PP->new->utf8->encode({ files => \@list });
    my $gz;
    gzip(\$json => \$gz) or die $GzipError;
    ($res) = call('package_files/upload_archive',
                  { package_name_with_version => "$name\@$version",
                    archive_base64 => encode_base64($gz, '') });
    die 'archive: ' . $res->content unless $res->code == 200;
    ($res) = call('package_releases/update',
                  { package_name_with_version => "$name\@$version",
                    ready_to_build => JSON::PP::true, license => 'MIT' });
    return $res;
}

sub esc { (my $n = shift) =~ s{/}{%2f}; return $n }

my $pkg = "$user.led";
my $npm_name = "\@tsci/$pkg";
my $name = "$user/led";

my $res = push_release($name, '1.0.0');
is $res->code, 200, 'push 1.0.0: answered once npm has it';

# The packument: the version, latest, dist right and signed.
$res = req(GET => $npm . esc($npm_name));
is $res->code, 200, 'packument of the pushed package';
my $doc = json_of($res);
is $doc->{'dist-tags'}{latest}, '1.0.0', 'latest is the pushed release';
my $v = $doc->{versions}{'1.0.0'};
is $v->{main}, 'dist/index.js', 'main points into dist/';
is $v->{module}, 'dist/index.js', 'so does module';
ok !exists $v->{private}, 'private is not part of a published version';
is $v->{_npmUser}{name}, $user, 'published as its owner';
is $v->{dist}{fileCount}, 4, 'four files: package.json and three others';
my $keys = json_of(req(GET => "${npm}-/npm/v1/keys"));
is $v->{dist}{signatures}[0]{keyid}, $keys->{keys}[0]{keyid},
    'signed with the registry key, as every version';
my $tgz_url = $v->{dist}{tarball};
my $tgz1 = req(GET => $tgz_url)->content;
is sri512($tgz1), $v->{dist}{integrity}, 'tarball matches its integrity';
is sha1_hex($tgz1), $v->{dist}{shasum}, 'and its shasum';
# Abbreviated too.
$res = req(GET => $npm . esc($npm_name),
           headers => { Accept => 'application/vnd.npm.install-v1+json' });
is json_of($res)->{versions}{'1.0.0'}{dist}{integrity}, $v->{dist}{integrity},
    'the abbreviated packument agrees';
is req(GET => $npm . esc($npm_name) . '/1.0.0')->code, 200,
    'the version document';

# A file of a published release no longer changes.
($res, my $d) = call('package_files/create',
                     { package_name_with_version => "$name\@1.0.0",
                       file_path => 'index.tsx', content_text => 'changed' });
is $res->code, 403, 'changing a published release: 403';
is $d->{error}{error_code}, 'package_release_locked', 'as a locked release';

# npm install in a fresh project, spec 7.4's .npmrc.
sub npm_project {
    my ($tag) = @_;
    my $env = npm_token_env("tsci-$tag", $npm, $token);
    my $dir = "$env->{home}/project";
    File::Path::mkpath($dir);
    write_file("$dir/package.json", qq({"name":"app","version":"1.0.0","private":true}\n));
    write_file("$dir/.npmrc", "\@tsci:registry=$npm\n");
    return ($env, $dir);
}
my ($env, $dir) = npm_project('a');
my ($rc, $out) = run_npm($env, $dir, 'install', "$npm_name\@1.0.0");
is $rc, 0, 'npm install of the pushed package' or diag $out;
my $inst = "$dir/node_modules/\@tsci/$pkg";
is slurp("$inst/index.tsx"), $tsx, 'the text file on disk as pushed';
ok slurp("$inst/assets/logo.png") eq $png, 'the binary file byte for byte';
is slurp("$inst/dist/index.js"), "export default \"1.0.0\";\n", 'dist/ too';
my $pj = JSON::PP->new->decode(slurp("$inst/package.json"));
is $pj->{name}, $npm_name, 'package.json: the npm name';
is $pj->{version}, '1.0.0', 'package.json: the release version';
my $lock1 = JSON::PP->new->decode(slurp("$dir/package-lock.json"));
my $integrity1 = $lock1->{packages}{"node_modules/$npm_name"}{integrity};
is $integrity1, $v->{dist}{integrity}, 'the lockfile has the integrity';

# Again from nothing (another cache): the same bytes, the same integrity.
my ($env2, $dir2) = npm_project('b');
($rc, $out) = run_npm($env2, $dir2, 'install', "$npm_name\@1.0.0");
is $rc, 0, 'a second npm install' or diag $out;
my $lock2 = JSON::PP->new->decode(slurp("$dir2/package-lock.json"));
is $lock2->{packages}{"node_modules/$npm_name"}{integrity}, $integrity1,
    'the same integrity twice';
ok req(GET => $tgz_url)->content eq $tgz1, 'the tarball is the same bytes';

# Bun.
my $benv = client_env('tsci-bun');
write_file("$benv->{dir}/package.json", qq({"name":"app","version":"1.0.0","private":true}\n));
write_file("$benv->{dir}/.npmrc", "\@tsci:registry=$npm\n"
           . npmrc_key($npm) . ":_authToken=$token\n");
($rc, $out) = run_client($benv, client_bin('bun'), 'add', "$npm_name\@1.0.0");
is $rc, 0, 'bun add of the pushed package' or diag $out;
$inst = "$benv->{dir}/node_modules/\@tsci/$pkg";
is slurp("$inst/index.tsx"), $tsx, 'bun: the text file as pushed';
ok slurp("$inst/assets/logo.png") eq $png, 'bun: the binary byte for byte';
like slurp("$benv->{dir}/bun.lock"), qr/\Q$v->{dist}{integrity}\E/,
    'bun.lock pins the same integrity';

# A second push: both versions, latest moves.
$res = push_release($name, '1.0.1');
is $res->code, 200, 'push 1.0.1';
($rc, $out) = run_npm($env, $dir, 'view', $npm_name, '--json');
is $rc, 0, 'npm view' or diag $out;
my $view = JSON::PP->new->decode($out);
is_deeply $view->{versions}, ['1.0.0', '1.0.1'], 'npm view: both versions';
is $view->{'dist-tags'}{latest}, '1.0.1', 'npm view: latest is the bump';
# Latest back to 1.0.0 through the API: npm follows.
($res) = call('package_releases/update',
              { package_name_with_version => "$name\@1.0.0",
                is_latest => JSON::PP::true });
is $res->code, 200, 'is_latest moved back to 1.0.0';
is json_of(req(GET => $npm . esc($npm_name)))->{'dist-tags'}{latest}, '1.0.0',
    'dist-tags.latest follows is_latest';

# The old way (spec 6.1): npm pack's tarball uploaded as a file, locked.
my $old = "$user/oldled";
my $old_npm = "\@tsci/$user.oldled";
my $old_tgz = make_tarball(name => $old_npm, version => '0.0.5',
                           files => { 'README.md' => "# old\n" });
($res) = call('packages/create', { name => $old, is_private => JSON::PP::false });
($res) = call('package_releases/create',
              { package_name_with_version => "$old\@0.0.5" });
($res) = call('package_files/create',
              { package_name_with_version => "$old\@0.0.5",
                file_path => '.tscircuit-internal/tarball.tgz',
                content_base64 => encode_base64($old_tgz, ''),
                is_release_tarball => JSON::PP::true,
                npm_pack_output => { name => $old_npm, version => '0.0.5',
                                     integrity => sri512($old_tgz),
                                     shasum => sha1_hex($old_tgz),
                                     filename => 'x.tgz', files => [] } });
is $res->code, 200, 'old way: the tarball uploaded as a file'
    or diag $res->content;
($res) = call('package_releases/update',
              { package_name_with_version => "$old\@0.0.5",
                is_locked => JSON::PP::true, is_latest => JSON::PP::true });
is $res->code, 200, 'old way: locked';
$doc = json_of(req(GET => $npm . esc($old_npm)));
is $doc->{versions}{'0.0.5'}{dist}{integrity}, sri512($old_tgz),
    'old way: the version is the uploaded tarball';
ok req(GET => $doc->{versions}{'0.0.5'}{dist}{tarball})->content eq $old_tgz,
    'old way: its bytes served';
my ($oenv, $odir) = npm_project('old');
($rc, $out) = run_npm($oenv, $odir, 'install', "$old_npm\@0.0.5");
is $rc, 0, 'old way: npm installs it' or diag $out;
is slurp("$odir/node_modules/$old_npm/README.md"), "# old\n",
    'old way: its files on disk';

# Private: the owner installs, nobody else sees it, tarball included.
my $sec = "$user/secret";
my $sec_npm = "\@tsci/$user.secret";
$res = push_release($sec, '1.0.0', private => 1);
is $res->code, 200, 'private: pushed';
$res = req(GET => $npm . esc($sec_npm), token => $token);
is $res->code, 200, 'private: its owner reads the packument';
my $sec_tgz = json_of($res)->{versions}{'1.0.0'}{dist}{tarball};
is req(GET => $sec_tgz, token => $token)->code, 200,
    'private: its owner gets the tarball';
is req(GET => $npm . esc($sec_npm))->code, 404, 'private: 404 to anonymous';
is req(GET => $npm . esc($sec_npm), token => $otoken)->code, 404,
    'private: 404 to another user';
is req(GET => $sec_tgz, token => $otoken)->code, 404,
    'private: tarball 404 to another user';
is req(GET => $sec_tgz)->code, 404, 'private: tarball 404 to anonymous';
my $penv = npm_token_env('tsci-priv', $npm, $otoken);
my $pdir = "$penv->{home}/project";
File::Path::mkpath($pdir);
write_file("$pdir/package.json", qq({"name":"app","version":"1.0.0"}\n));
write_file("$pdir/.npmrc", "\@tsci:registry=$npm\n");
($rc, $out) = run_npm($penv, $pdir, 'install', $sec_npm);
isnt $rc, 0, 'private: npm install by another user fails';
like $out, qr/E404|404/, 'private: as not found';

# npm publish under @tsci/: the package and its release through the API.
my $pub = "\@tsci/$user.npmonly";
$res = publish($npm, $token, name => $pub, version => '2.0.0');
is $res->code, 201, 'npm publish under @tsci/';
($res, $d) = call('packages/get', { name => "$user/npmonly" }, '');
is $res->code, 200, 'packages/get finds it';
is $d->{package}{name}, "$user/npmonly", 'by its tscircuit name';
is $d->{package}{latest_version}, '2.0.0', 'with npm\'s latest';
($res, $d) = call('package_releases/list',
                  { package_name => "$user/npmonly" }, '');
is $res->code, 200, 'package_releases/list';
is_deeply [map { $_->{version} } @{ $d->{package_releases} }], ['2.0.0'],
    'lists the npm version as a release';
ok $d->{package_releases}[0]{is_latest}, 'latest, as on npm';
# Pushed packages list each release once, not once more from npm.
($res, $d) = call('package_releases/list', { package_name => $name }, '');
is_deeply [map { $_->{version} } @{ $d->{package_releases} }],
    ['1.0.0', '1.0.1'], 'a pushed package lists each release once';
