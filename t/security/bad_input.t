# Bad input: every malformed or dishonest publish gets a 4xx with a clear
# reason, and the store is exactly as it was before.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use IO::Compress::Gzip qw(gzip);
use MIME::Base64 qw(encode_base64);
use IO::Socket::INET ();
use TsciTest qw(base_url req json_of make_tarball publish_body adduser
                publish store_state unique);

my $base = base_url('/npm/');
my $token = adduser($base, unique('bad'), 'bad-pass-1');
my $name = unique('victim');
my $good = publish($base, $token, name => $name, version => '1.0.0');
die 'setup publish failed: ' . $good->content unless $good->code == 201;

# [label, method, path (below /npm/), body (string or ref), headers,
#  expected status, reason pattern]
my $body = sub { publish_body(name => $name, version => '2.0.0', @_) };
my $json = JSON::PP->new->canonical;
my $deep = ('[' x 200) . (']' x 200);
my $gzip_text = do { my $t = 'just text, no tar'; my $g; gzip(\$t => \$g); $g };

sub with_attachment {
    my ($b, $bytes, %o) = @_;
    my ($key) = keys %{ $b->{_attachments} };
    $b->{_attachments}{$key} = { content_type => 'application/octet-stream',
        data => $o{data} // encode_base64($bytes, ''),
        length => $o{length} // length $bytes };
    delete $b->{versions}{'2.0.0'}{dist};
    return $b;
}

my @cases = (
    ['malformed JSON', $name, '{"name": "x", ', {}, 400, qr/malformed JSON/],
    ['trailing data', $name, '{"name": "x"} {}', {}, 400, qr/malformed JSON/],
    ['invalid UTF-8', $name, qq({"name": "\xff\xfe"}), {}, 400, qr/malformed JSON/],
    ['too deep', $name, $deep, {}, 400, qr/nested too deeply/],
    ['wrong content type', $name, $body->(), { 'Content-Type' => 'text/plain' },
     415, qr/application\/json/],
    ['not an object', $name, '[1,2,3]', {}, 400, qr/not a JSON object/],
    ['missing attachment', $name,
     do { my $b = $body->(); delete $b->{_attachments}; $b }, {}, 400,
     qr/no _attachments/],
    ['empty attachments', $name,
     do { my $b = $body->(); $b->{_attachments} = {}; $b }, {}, 400,
     qr/no tarball/],
    ['attachment not gzip', $name,
     with_attachment($body->(), "plain bytes, not gzip at all"), {}, 400,
     qr/not a gzip/],
    ['gzip but not tar', $name, with_attachment($body->(), $gzip_text), {},
     400, qr/not a (gzip'd )?tar/],
    ['attachment not base64', $name,
     with_attachment($body->(), 'x', data => '!!!not base64!!!', length => 1),
     {}, 400, qr/not valid base64/],
    ['length disagrees', $name,
     with_attachment($body->(), make_tarball(name => $name, version => '2.0.0'),
                     length => 5), {}, 400, qr/length says 5 bytes/],
    ['tarball names another package', $name,
     $body->(tarball => make_tarball(name => 'other-name', version => '2.0.0')),
     {}, 400, qr/tarball names "other-name"/],
    ['tarball has another version', $name,
     $body->(tarball => make_tarball(name => $name, version => '2.0.1')),
     {}, 400, qr/has version "2\.0\.1"/],
    ['tarball without package.json', $name,
     do {
         require Archive::Tar;
         my $t = Archive::Tar->new; $t->add_data('package/index.js', '1;');
         my $plain = $t->write; my $g; gzip(\$plain => \$g);
         $body->(tarball => $g);
     }, {}, 400, qr/no package\/package\.json/],
    ['shasum disagrees', $name,
     do { my $b = $body->(); $b->{versions}{'2.0.0'}{dist}{shasum} = 'a' x 40; $b },
     {}, 400, qr/dist\.shasum does not match/],
    ['integrity disagrees', $name,
     do { my $b = $body->(); $b->{versions}{'2.0.0'}{dist}{integrity} = 'sha512-AAAA'; $b },
     {}, 400, qr/dist\.integrity does not match/],
    ['body names another package', $name,
     do { my $b = $body->(); $b->{name} = 'someone-else'; $b }, {}, 400,
     qr/the URL names/],
    ['two versions', $name,
     do { my $b = $body->(); $b->{versions}{'2.0.1'} = $b->{versions}{'2.0.0'}; $b },
     {}, 400, qr/exactly one version/],
    ['tag pointing elsewhere', $name,
     do { my $b = $body->(); $b->{'dist-tags'} = { latest => '9.9.9' }; $b },
     {}, 400, qr/must point at the version/],
    ['tag that looks like a version', $name,
     do { my $b = $body->(); $b->{'dist-tags'} = { '1.2.3' => '2.0.0' }; $b },
     {}, 400, qr/may not look like a version/],
    # U+0000 would cut a string read as a C string: "<name>\0-other" must
    # not pass for <name>, nor "2.0.0\0-evil" for 2.0.0.
    ['NUL in the tarball\'s name', $name,
     $body->(tarball => make_tarball(name => $name, version => '2.0.0',
         package_json => $json->encode(
             { name => "$name\0-other", version => '2.0.0' }))),
     {}, 400, qr/no "name" that is a string without U\+0000/],
    ['NUL in the tarball\'s version', $name,
     $body->(tarball => make_tarball(name => $name, version => '2.0.0',
         package_json => $json->encode(
             { name => $name, version => "2.0.0\0-evil" }))),
     {}, 400, qr/no "version" that is a string without U\+0000/],
    ['NUL in the body\'s name', $name,
     do { my $b = $body->(); $b->{name} = "$name\0-other"; $b }, {}, 400,
     qr/"name" is not a string without U\+0000/],
    ['NUL in the manifest\'s version', $name,
     do { my $b = $body->(); $b->{versions}{'2.0.0'}{version} = "2.0.0\0x"; $b },
     {}, 400, qr/manifest's version does not match/],
    ['NUL in the versions key', $name,
     do { my $b = $body->();
          $b->{versions}{"2.0.0\0x"} = delete $b->{versions}{'2.0.0'}; $b },
     {}, 400, qr/object key contains U\+0000/],
    ['NUL in the dist-tag', $name,
     do { my $b = $body->(); $b->{'dist-tags'} = { "latest\0x" => '2.0.0' }; $b },
     {}, 400, qr/object key contains U\+0000/],
    ['NUL in the dist-tag\'s version', $name,
     do { my $b = $body->(); $b->{'dist-tags'} = { latest => "2.0.0\0x" }; $b },
     {}, 400, qr/must point at the version/],
    # npm strips build metadata: 1.0.0+build is the 1.0.0 published above.
    ['1.0.0+build after 1.0.0', $name,
     publish_body(name => $name, version => '1.0.0+build'), {}, 409,
     qr/cannot publish over the previously published version 1\.0\.0 of /],
    (map {
        my $v = $_;
        ["version \"$v\"", $name,
         do { my $b = publish_body(name => $name, version => $v,
                  tarball => make_tarball(name => $name, version => $v)); $b },
         {}, 400, qr/invalid version/]
     } ('1.0', 'v1.0.0', '01.0.0', '1.0.0-', 'latest', '1.0.0-01')),
    (map {
        my ($label, $path, $pat) = @$_;
        ["name $label", $path, publish_body(name => 'x', version => '1.0.0'),
         {}, 400, $pat]
     } (['upper case', 'Upper-Case', qr/capital letters/],
        ['over 214 characters', 'a' x 215, qr/longer than 214/],
        ['backslash', 'a%5Cb', qr/URL-safe/],
        ['leading dot', '.hidden', qr/period/],
        ['core module', 'http', qr/core module/],
        ['scope without name', '@scope%2f', qr/invalid package name/],
        ['bad scope', '@Scope%2fx', qr/capital letters/])),
);

Apache::Test::plan(tests => 3 * @cases + 29, have_lwp);

for my $c (@cases) {
    my ($label, $path, $b, $h, $status, $pat) = @$c;
    my $before = store_state($base, $name);
    my $res = req(PUT => "$base$path", token => $token, body => $b,
                  headers => { 'Content-Type' => 'application/json', %$h });
    is $res->code, $status, "$label: $status";
    my $e = json_of($res);
    like $e && $e->{error}, $pat, "$label: reason"
        or diag $res->content;
    is store_state($base, $name), $before, "$label: store unchanged";
}

# A password is all of what the client sent: "x\0<secret>" is not "x", and
# a user created with it does not get the password "x".
{
    my $user = sub {
        my ($u, $pass) = @_;
        return req(PUT => "${base}-/user/org.couchdb.user:$u",
                   body => { _id => "org.couchdb.user:$u", name => $u,
                             password => $pass, email => "$u\@example.com",
                             type => 'user', roles => [] });
    };
    my $u = unique('nulpass');
    my $res = $user->($u, "x\0long-secret-1");
    is $res->code, 400, 'NUL in a new password: 400';
    is $user->($u, 'real-pass-1')->code, 201,
        'no user was made with the password cut at the NUL';
    my $v = unique('nullogin');
    adduser($base, $v, 'x');
    is $user->($v, "x\0anything")->code, 400,
        'NUL in a login password: 400, not a login as "x"';
    is $user->($v, 'x')->code, 201, 'the real password still logs in';
}

# Names that httpd lets through (it resolves only whole dot segments and
# refuses encoded slashes itself) but that would point outside a package's
# place if taken as paths: the module refuses each with its own JSON
# reason, which httpd alone never sends, and nothing is written.
for my $path ('%2e%2e%5cdb', '@scope%2f...', 'a%5c..%5c..%5cdb') {
    my $before = store_state($base, $name);
    my $res = req(PUT => "$base$path", token => $token,
                  body => publish_body(name => 'x', version => '1.0.0'));
    is $res->code, 400, "name $path: 400";
    like json_of($res) && json_of($res)->{error}, qr/invalid package name/,
         "name $path: the registry's own reason";
    is store_state($base, $name), $before, "name $path: store unchanged";
}

# NUL in a name never reaches the registry as a name.
my $res = req(PUT => "${base}a%00b", token => $token,
              body => publish_body(name => 'x', version => '1.0.0'));
ok $res->code >= 400 && $res->code < 500, "NUL in the name: 4xx";

# Over the body limit, announced or streamed.
my $small = base_url('/small/');
my $before = store_state($base, $name);
$res = req(PUT => "$small$name", token => $token,
           body => publish_body(name => $name, version => '3.0.0',
                                files => { 'big.bin' => join '', map { chr(rand 256) } 1 .. 8000 }));
is $res->code, 413, 'body over TsciRegistryMaxBodySize: 413';
like json_of($res)->{error}, qr/larger than the limit of 4096/, '413 reason';

# A chunked body has no length to refuse up front: it is cut off while read.
my $hp = $small =~ m{^http://([^/]+)} ? $1 : die;
my $sock = IO::Socket::INET->new(PeerAddr => $hp, Timeout => 30) or die $!;
my $chunk = '{"pad": "' . ('x' x 3000);
print $sock "PUT /small/$name HTTP/1.1\r\nHost: $hp\r\n"
    . "Authorization: Bearer $token\r\nContent-Type: application/json\r\n"
    . "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
printf $sock "%x\r\n%s\r\n", length $chunk, $chunk for 1 .. 3;
print $sock "0\r\n\r\n";
my $reply = do { local $/; <$sock> } // '';
like $reply, qr{^HTTP/1\.1 413 }, 'chunked body over the limit: 413';
is store_state($base, $name), $before, 'store unchanged by oversized bodies';

# Tarball URLs whose name or file breaks the rules never become a file
# name: the registry answers them itself (JSON), Apache serves nothing.
for my $path ('.db/-/packages.tgz', 'a%5c..%5cdb/-/packages.tgz',
              "$name/-/..tgz", "$name/-/.%2e%5cdb.tgz",
              '%c0%ae%c0%ae/-/x.tgz') {
    $res = req(GET => "$base$path");
    is $res->code, 404, "GET $path: 404";
    like json_of($res) && json_of($res)->{error}, qr/tarball not found/,
         "GET $path: answered by the registry, not a file";
}
$res = req(GET => "$base$name/-/$name-1.0.0.tgz");
is $res->code, 200, 'the real tarball is still served';
