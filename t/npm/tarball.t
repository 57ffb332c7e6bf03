# Tarballs are files served by Apache's core handler: exact bytes, no
# Content-Encoding (even with "AddEncoding x-gzip .tgz" configured), ETag
# and 304, Range, HEAD; other methods and missing files get JSON errors.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use TsciTest qw(base_url req json_of make_tarball adduser publish unique);

Apache::Test::plan(tests => 19, have_lwp);

my $base = base_url('/npm/');
my $tuser = unique('tar');
my $token = adduser($base, $tuser, 'tar-pass-1');
my $name = "\@$tuser/pkg";     # the user's own scope
my $tgz = make_tarball(name => $name, version => '1.2.3',
                       files => { 'data.txt' => 'x' x 5000 });
is publish($base, $token, name => $name, version => '1.2.3',
           tarball => $tgz)->code, 201, 'published';
my $url = "$base$name/-/pkg-1.2.3.tgz";

my $res = req(GET => $url);
is $res->code, 200, 'GET tarball';
is length $res->content, length $tgz, 'same length';
ok $res->content eq $tgz, 'same bytes';
is $res->header('Content-Type'), 'application/octet-stream', 'octet-stream';
ok !defined $res->header('Content-Encoding'), 'no Content-Encoding';
my $etag = $res->header('ETag');
ok $etag, 'ETag';
is $res->header('Accept-Ranges'), 'bytes', 'ranges accepted';

$res = req(GET => $url, headers => { 'If-None-Match' => $etag });
is $res->code, 304, 'If-None-Match: 304';

$res = req(GET => $url, headers => { Range => 'bytes=0-9' });
is $res->code, 206, 'Range: 206';
is $res->header('Content-Range'), 'bytes 0-9/' . length($tgz);
ok $res->content eq substr($tgz, 0, 10), 'the first ten bytes';

$res = req(HEAD => $url);
is $res->code, 200, 'HEAD';
is $res->header('Content-Length'), length $tgz, 'HEAD has the length';

# The scoped URL form npm does not use, with %2f, reaches the same file.
(my $esc = $name) =~ s{/}{%2f};
$res = req(GET => "$base$esc/-/pkg-1.2.3.tgz");
ok $res->code == 200 && $res->content eq $tgz, '%2f form of the tarball URL';

$res = req(POST => $url, body => '{}');
is $res->code, 405, 'POST to a tarball: 405';
$res = req(PUT => $url, body => '{}', token => $token);
is $res->code, 405, 'PUT to a tarball: 405';

$res = req(GET => "$base$name/-/pkg-9.9.9.tgz");
is $res->code, 404, 'missing tarball: 404';
like json_of($res)->{error}, qr/tarball not found/, 'in JSON';
