# tsci push's exact request sequence (spec 7.3), replayed against the
# TsciRegistry tsci Location: a new package, then a second push that finds
# its version taken and bumps it; then what tsci clone reads back (list,
# get, and download for a binary file), byte for byte.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use TsciTest qw(base_url req json_of adduser unique);
use IO::Compress::Gzip qw(gzip $GzipError);
use MIME::Base64 qw(encode_base64);
use Digest::MD5 qw(md5_hex);
use JSON::PP ();

Apache::Test::plan(tests => 39, have_lwp);

my $api = base_url('/api/');
my $user = unique('pusher');
my $token = adduser(base_url('/npm/'), $user, 'secret-pass-1');
my $name = "$user/" . 'led-board';

sub call {
    my ($m, $route, $params, %o) = @_;
    my $url = "$api$route";
    if ($m eq 'GET' && $params) {
        my $u = URI->new($url);
        $u->query_form(%$params);
        $url = $u->as_string;
    }
    my $res = req($m => $url, token => $o{token} // $token,
                  $m eq 'POST' ? (body => $params // {}) : ());
    return ($res, json_of($res));
}

my $png = join '', map { chr } (0x89, 0x50, 0x4e, 0x47, 0, 0, 0xff, 0xfe,
                                0x0d, 0x0a, 0x1a, 0x0a, 0x80, 0);
my %text = (
    'index.tsx' => "export default () => <board width=\"10mm\" />\n",
    'lib/part.ts' => "export const r = \"1k\";\n\t// tab\n",
    'package.json' => qq({"name":"\@tsci/$user.led-board"}\n),
    'empty.ts' => '',
);

# What tsci push uploads: sorted paths, text or base64, gzip'd JSON.
sub archive {
    my %bin = ('assets/logo.png' => $png);
    my @files;
    for my $p (sort(keys %text, keys %bin)) {
        push @files, exists $bin{$p}
            ? { file_path => $p, content_base64 => encode_base64($bin{$p}, '') }
            : { file_path => $p, content_text => $text{$p} };
    }
    my $json = JSON::PP->new->utf8->encode({ files => \@files });
    my $gz;
    gzip(\$json => \$gz, -Level => 9) or die $GzipError;
    return encode_base64($gz, '');
}

# fs_sha as spec 5.4: files in creation (= archive) order, non-empty text.
sub expected_fs_sha {
    my $enc = JSON::PP->new->allow_nonref;
    my @parts = map { $enc->encode($_) . ':' . $enc->encode($text{$_}) }
                grep { length $text{$_} } sort keys %text;
    return 'md5-' . md5_hex('{' . join(',', @parts) . '}');
}

sub push_once {
    my ($version, $taken) = @_;
    my ($res, $d) = call(POST => 'package_releases/list',
                         { package_name => $name });
    is $res->code, 200, "push $version: 1. releases list is 200";
    is ref $d->{package_releases}, 'ARRAY', "push $version: as a list";
    my $last = $d->{package_releases}[-1];
    ($res) = call(POST => 'packages/get', { name => $name });
    if (!$taken) {
        is $res->code, 404, "push $version: 2. new package is 404";
        ($res, $d) = call(POST => 'packages/create',
                          { name => $name, is_private => JSON::PP::false });
        is $res->code, 200, "push $version: 3. package created";
        is $d->{package}{name}, $name, "push $version: named";
    }
    else {
        is $res->code, 200, "push $version: 2. known package is 200";
        is $last->{version}, $taken, "push $version: last release listed";
        # 4. probing: the taken version is 200, so it bumps the patch.
        ($res, $d) = call(POST => 'package_releases/get',
                          { package_name_with_version => "$name\@$taken" });
        is $res->code, 200, "push $version: 4. $taken is taken";
    }
    ($res, $d) = call(POST => 'package_releases/get',
                      { package_name_with_version => "$name\@$version" });
    is $res->code, 404, "push $version: 4. $version is free";
    is $d->{error}{error_code}, 'package_release_not_found',
        "push $version: with tscircuit's code";
    ($res, $d) = call(POST => 'package_releases/create',
                      { package_name_with_version => "$name\@$version" });
    is $res->code, 200, "push $version: 5. release created";
    ($res, $d) = call(POST => 'package_files/upload_archive',
                      { package_name_with_version => "$name\@$version",
                        archive_base64 => archive() });
    is $res->code, 200, "push $version: 6. archive uploaded"
        or diag $res->content;
    is scalar @{ $d->{package_files} || [] }, 5,
        "push $version: five files written";
    ($res, $d) = call(POST => 'package_releases/update',
                      { package_name_with_version => "$name\@$version",
                        ready_to_build => JSON::PP::true, license => 'MIT' });
    is $res->code, 200, "push $version: 8. ready to build";
}

push_once('1.0.0');
push_once('1.0.1', '1.0.0');

my ($res, $d) = call(POST => 'packages/get', { name => $name });
is $d->{package}{latest_version}, '1.0.1', 'the bump is latest';
is $d->{package}{license}, 'MIT', 'the license came with the update';
is $d->{package}{latest_package_release_fs_sha}, expected_fs_sha(),
    'fs_sha as computed here';
($res, $d) = call(POST => 'package_releases/get',
                  { package_name_with_version => "$name\@1.0.0" });
ok !$d->{package_release}{is_latest}, '1.0.0 is no longer latest';
ok $d->{package_release}{ready_to_build}, '1.0.0 is ready to build';

# tsci clone: list, get each, download the binary; anonymous like clone
# of a public package.
($res, $d) = call(GET => 'package_files/list',
                  { package_name => $name, use_latest_version => 'true' },
                  token => '');
is $res->code, 200, 'clone: list';
my @paths = map { $_->{file_path} } @{ $d->{package_files} };
is_deeply \@paths, [sort(keys %text, 'assets/logo.png')],
    'clone: every path, in order';
ok !grep({ exists $_->{content_text} } @{ $d->{package_files} }),
    'clone: the list carries no contents';
for my $p (sort keys %text) {
    ($res, $d) = call(GET => 'package_files/get',
                      { package_name => $name, use_latest_version => 'true',
                        file_path => $p }, token => '');
    is $d->{package_file}{content_text}, $text{$p}, "clone: $p as pushed";
}
($res, $d) = call(GET => 'package_files/get',
                  { package_name => $name, file_path => 'assets/logo.png' },
                  token => '');
ok !$d->{package_file}{is_text}, 'clone: the png is not text';
($res) = call(GET => 'package_files/download',
              { package_file_id => $d->{package_file}{package_file_id} },
              token => '');
is $res->code, 200, 'download: 200';
ok $res->content eq $png, 'download: the png byte for byte';
is $res->header('Content-Type'), 'image/png', 'download: its media type';
like $res->header('Content-Disposition'), qr/attachment; filename="logo.png"/,
    'download: named for saving';
