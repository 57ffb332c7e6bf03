# /package_files/create|create_or_update|get|list|download|delete and
# upload_archive of TsciRegistry tsci: text and binary bytes kept as sent,
# paths normalised and refused, locked releases frozen, private packages'
# files missing to others, and every refusal with its code, leaving the
# store as it was.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use TsciApi qw(api new_user snapshot T F);
use MIME::Base64 qw(encode_base64);
use IO::Compress::Gzip qw(gzip $GzipError);
use JSON::PP ();

Apache::Test::plan(tests => 84, have_lwp);

my ($alice, $at) = new_user('alice');
my ($bob, $bt) = new_user('bob');
my $name = "$alice/sensor";
api(POST => 'packages/create', { name => $name }, $at);
my (undef, $d) = api(POST => 'package_releases/create',
                     { package_name_with_version => "$name\@0.1.0" }, $at);
my $rid = $d->{package_release}{package_release_id};
my $nwv = "$name\@0.1.0";
my $bin = join '', map { chr } 0 .. 255;
my $res;

# create: text (with a NUL and UTF-8), binary, empty
($res, $d) = api(POST => 'package_files/create',
                 { package_name_with_version => $nwv,
                   file_path => '  ./src//main.tsx ',
                   content_text => "a\x{0}b \x{c3}\x{a9}\n" }, $at);
is $res->code, 200, 'create: 200';
is $d->{package_file}{file_path}, 'src/main.tsx', 'create: path normalised';
is $d->{package_file}{content_mimetype}, 'text/typescript', 'create: mimetype';
ok $d->{package_file}{is_text}, 'create: text';
my $fid = $d->{package_file}{package_file_id};
($res, $d) = api(POST => 'package_files/create',
                 { package_release_id => $rid, file_path => 'cad/part.stl',
                   content_base64 => encode_base64($bin, '') }, $at);
ok !$d->{package_file}{is_text}, 'create: binary is not text';
is $d->{package_file}{content_mimetype}, 'model/stl', 'create: binary type';
my $bid = $d->{package_file}{package_file_id};
($res, $d) = api(POST => 'package_files/create',
                 { package_name_with_version => $nwv, file_path => 'e.ts',
                   content_text => '' }, $at);
is $res->code, 200, 'create: an empty file';
($res, $d) = api(POST => 'package_files/create',
                 { package_name_with_version => $nwv, file_path => 'README.md',
                   content_text => '# x', content_mimetype => 'text/x-own' },
                 $at);
is $d->{package_file}{content_mimetype}, 'text/x-own', 'create: mimetype given';
(undef, $d) = api(POST => 'package_releases/get',
                  { package_release_id => $rid });
like $d->{package_release}{fs_sha}, qr/^md5-[0-9a-f]{32}$/, 'create: fs_sha';
my $sha1 = $d->{package_release}{fs_sha};

my $before = snapshot($name, $at);
for my $case (
    [ { file_path => 'a.ts', content_text => 'x' }, $at, 400,
      'validation_error', 'no release named' ],
    [ { package_release_id => $rid, package_name_with_version => $nwv,
        file_path => 'a.ts', content_text => 'x' }, $at, 400,
      'validation_error', 'both releases named' ],
    [ { package_release_id => $rid, file_path => 'a.ts', content_text => 'x',
        content_base64 => 'eA==' }, $at, 400, 'validation_error',
      'text and base64' ],
    [ { package_release_id => $rid, file_path => 'a.ts',
        content_base64 => '***' }, $at, 400, 'validation_error', 'bad base64' ],
    [ { package_release_id => $rid, file_path => '../up.ts',
        content_text => 'x' }, $at, 400, 'invalid_file_path', '..' ],
    [ { package_release_id => $rid, file_path => 'lib/dist/x.js',
        content_text => 'x' }, $at, 400, 'invalid_file_path', 'nested dist' ],
    [ { package_release_id => $rid, file_path => 'LICENSE',
        content_text => 'x' }, $at, 400, 'invalid_file_path', 'no dot' ],
    [ { package_release_id => $rid, file_path => 'a.tgz',
        content_base64 => 'eA==', is_release_tarball => T }, $at, 400,
      'missing_options', 'tarball without npm_pack_output' ],
    [ { package_release_id => $rid, file_path => 'a.ts', content_text => 'x',
        npm_pack_output => { size => 1 } }, $at, 404, 'invalid_options',
      'npm_pack_output without tarball' ],
    [ { package_release_id => 'nope', file_path => 'a.ts',
        content_text => 'x' }, $at, 404, 'package_release_not_found',
      'unknown release' ],
    [ { package_release_id => $rid, file_path => 'a.ts',
        content_text => 'x' }, $bt, 403, 'forbidden', 'another user' ],
    [ { package_release_id => $rid, file_path => 'a.ts',
        content_text => 'x' }, undef, 401, 'unauthorized', 'anonymous' ],
) {
    my ($p, $t, $status, $code, $why) = @$case;
    ($res, $d) = api(POST => 'package_files/create', $p, $t);
    is $res->code, $status, "create refused ($why)";
    is $d->{error}{error_code}, $code, "create refused ($why): $code";
}
ok snapshot($name, $at) eq $before, 'create refusals changed nothing';

# get, list, download
($res, $d) = api(GET => 'package_files/get',
                 { package_file_id => $fid });
is $d->{package_file}{content_text}, "a\x{0}b \x{c3}\x{a9}\n",
    'get: text as sent, NUL and all';
($res, $d) = api(POST => 'package_files/get',
                 { package_name => $name, file_path => '/src/main.tsx' });
is $d->{package_file}{package_file_id}, $fid, 'get: by name and path';
($res, $d) = api(GET => 'package_files/get',
                 { package_release_id => $rid, file_path => 'cad/part.stl' });
ok !defined $d->{package_file}{content_text}, 'get: no text for binary';
($res, $d) = api(GET => 'package_files/get',
                 { package_release_id => $rid, file_path => 'none.ts' });
is $d->{error}{error_code}, 'package_file_not_found', 'get: unknown 404';
($res, $d) = api(GET => 'package_files/get', { package_file_id => 'zz' });
is $res->code, 404, 'get: unknown id 404';
($res, $d) = api(GET => 'package_files/list',
                 { package_name_with_version => "$name\@latest" });
is_deeply [map { $_->{file_path} } @{ $d->{package_files} }],
    ['README.md', 'cad/part.stl', 'e.ts', 'src/main.tsx'],
    'list: every file, by path';
($res, $d) = api(POST => 'package_files/list',
                 { package_id => $d->{package_files}[0]{package_release_id} });
is $res->code, 404, 'list: a package id that is no package';
($res, $d) = api(POST => 'package_files/list', {});
is $d->{error}{error_code}, 'validation_error', 'list: nothing named';
($res, $d) = api(GET => 'package_files/list',
                 { package_name_with_version => "$name\@5.0.0" });
is $d->{error}{error_code}, 'package_release_not_found', 'list: no release';
($res) = api(GET => 'package_files/download', { package_file_id => $bid });
ok $res->content eq $bin, 'download: 256 bytes as sent';
is $res->header('Content-Type'), 'model/stl', 'download: the type';
like $res->header('Cache-Control'), qr/public/, 'download: cacheable';
($res) = api(POST => 'package_files/download',
             { package_name_with_version => $nwv,
               file_path => 'src/main.tsx' });
is $res->content, "a\x{0}b \x{c3}\x{a9}\n", 'download: text as UTF-8 bytes';
($res, $d) = api(GET => 'package_files/download',
                 { package_release_id => $rid, file_path => 'x.ts' });
is $d->{error}{error_code}, 'not_found', 'download: unknown not_found';
($res, $d) = api(GET => 'package_files/download', {});
is $res->code, 400, 'download: nothing named 400';
is $d->{error}{error_code}, 'bad_request', 'download: bad_request';

# create_or_update replaces, keeps the id
($res, $d) = api(POST => 'package_files/create_or_update',
                 { package_release_id => $rid, file_path => 'src/main.tsx',
                   content_text => 'new' }, $at);
is $d->{package_file}{package_file_id}, $fid, 'upsert: same file';
(undef, $d) = api(GET => 'package_files/get', { package_file_id => $fid });
is $d->{package_file}{content_text}, 'new', 'upsert: new text';
($res, $d) = api(POST => 'package_files/create_or_update',
                 { package_release_id => $rid, file_path => 'x.ts',
                   content_text => 'x' }, $bt);
is $d->{error}{error_code}, 'forbidden', 'upsert: another user 403';

# delete
($res, $d) = api(POST => 'package_files/delete',
                 { package_release_id => $rid, file_path => 'e.ts' }, $at);
ok $res->code == 200 && $d->{ok}, 'delete: ok';
($res, $d) = api(POST => 'package_files/delete',
                 { package_release_id => $rid, file_path => 'e.ts' }, $at);
is $d->{error}{error_code}, 'file_not_found', 'delete: gone now';
($res, $d) = api(POST => 'package_files/delete',
                 { package_release_id => $rid, file_path => 'README.md' },
                 $bt);
is $d->{error}{error_code}, 'forbidden', 'delete: another user 403';
($res, $d) = api(POST => 'package_files/delete',
                 { file_path => 'README.md' }, $at);
is $d->{error}{error_code}, 'validation_error', 'delete: a release needed';

# upload_archive
sub archive {
    my ($doc, $raw) = @_;
    my $json = $raw // JSON::PP->new->utf8->encode($doc);
    my $gz;
    gzip(\$json => \$gz) or die $GzipError;
    return encode_base64($gz, '');
}
($res, $d) = api(POST => 'package_files/upload_archive',
                 { package_name_with_version => $nwv,
                   archive_base64 => archive({ files => [
                       { file_path => 'a/one.ts', content_text => '1' },
                       { file_path => 'b.bin',
                         content_base64 => encode_base64("\0\1\2", '') },
                   ] }) }, $at);
is $res->code, 200, 'archive: 200';
is scalar @{ $d->{package_files} }, 2, 'archive: both files';
($res) = api(GET => 'package_files/download',
             { package_release_id => $rid, file_path => 'b.bin' });
is $res->content, "\0\1\2", 'archive: the binary as sent';
$before = snapshot($name, $at);
for my $case (
    [ 'not base64', '%%%', 'invalid_archive', 400 ],
    [ 'not gzip', encode_base64('plain', ''), 'invalid_archive', 400 ],
    [ 'not JSON', archive(undef, '{"files": ['), 'invalid_archive', 400 ],
    [ 'no files', archive({ nope => 1 }), 'invalid_archive', 400 ],
    [ 'a bad path', archive({ files => [
        { file_path => 'ok.ts', content_text => '1' },
        { file_path => '../x.ts', content_text => '1' } ] }),
      'invalid_file_path', 400 ],
    [ 'too big inflated', archive(undef, '{"files":[{"file_path":"big.txt",'
        . '"content_text":"' . ('x' x 1_500_000) . '"}]}'),
      'archive_too_large', 413 ],
) {
    my ($why, $b64, $code, $status) = @$case;
    # The bound is TsciRegistryMaxBodySize: 1 MB there.
    local $TsciApi::prefix = '/api-small/';
    ($res, $d) = api(POST => 'package_files/upload_archive',
                     { package_name_with_version => $nwv,
                       archive_base64 => $b64 }, $at);
    is $res->code, $status, "archive refused ($why)";
    is $d->{error}{error_code}, $code, "archive refused ($why): $code";
}
ok snapshot($name, $at) eq $before, 'archive refusals changed nothing';

# locked: every file change refused
api(POST => 'package_releases/update',
    { package_release_id => $rid, is_locked => T }, $at);
(undef, $d) = api(POST => 'package_releases/get',
                  { package_release_id => $rid });
isnt $d->{package_release}{fs_sha}, $sha1, 'fs_sha moved with the files';
$before = snapshot($name, $at);
for my $route (qw(create create_or_update upload_archive delete)) {
    ($res, $d) = api(POST => "package_files/$route",
                     { package_release_id => $rid, file_path => 'a/one.ts',
                       content_text => 'changed',
                       archive_base64 => archive({ files => [] }) }, $at);
    is $d->{error}{error_code}, 'package_release_locked',
        "locked: $route refused";
}
ok snapshot($name, $at) eq $before, 'locked: nothing changed';

# private packages' files are missing to others
api(POST => 'packages/create', { name => "$alice/hidden", is_private => T },
    $at);
api(POST => 'package_releases/create',
    { package_name_with_version => "$alice/hidden\@1.0.0" }, $at);
(undef, $d) = api(POST => 'package_files/create',
                  { package_name_with_version => "$alice/hidden\@1.0.0",
                    file_path => 'k.ts', content_text => 'key' }, $at);
my $hid = $d->{package_file}{package_file_id};
($res) = api(GET => 'package_files/download', { package_file_id => $hid });
is $res->code, 404, 'private: download 404 to anonymous';
($res) = api(GET => 'package_files/get', { package_file_id => $hid }, $bt);
is $res->code, 404, 'private: get 404 to another user';
($res) = api(GET => 'package_files/list',
             { package_name => "$alice/hidden" }, $bt);
is $res->code, 404, 'private: list 404 to another user';
($res) = api(GET => 'package_files/download', { package_file_id => $hid },
             $at);
ok $res->code == 200 && $res->content eq 'key', 'private: its owner reads';
like $res->header('Cache-Control'), qr/private/, 'private: not cached';
