# The route table seen from outside: every method a URL does not take is a
# 405 with the right Allow (tarballs included, which Apache's core handler
# serves), HEAD answers wherever GET does with the same headers and no
# body, and names are found by their own rules.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use IO::Socket::INET ();
use Digest::SHA qw(sha1_hex);
use TsciTest qw(base_url req json_of adduser publish unique);

Apache::Test::plan(tests => 76, have_lwp);

my $base = base_url('/npm/');
my $ruser = unique('routes');
my $token = adduser($base, $ruser, 'routes-pass-1');
my $name = unique('routed');
is publish($base, $token, name => $name, version => '1.0.0')->code, 201,
   'published';
my $tgz = "$name/-/$name-1.0.0.tgz";

# One raw request, for methods LWP would not send as they are.
my ($hp) = $base =~ m{^http://([^/]+)};
sub raw {
    my ($method, $path) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => $hp, Timeout => 30) or die $!;
    print $s "$method /npm/$path HTTP/1.1\r\nHost: $hp\r\n"
        . "Content-Length: 0\r\nConnection: close\r\n\r\n";
    my $reply = do { local $/; <$s> } // '';
    my ($code) = $reply =~ m{^HTTP/1\.1 (\d+)};
    my ($allow) = $reply =~ m{^Allow: ([^\r\n]*)}mi;
    return ($code // 0, $allow // '', $reply);
}

# [path, methods it must refuse, Allow]
my @refused = (
    [$tgz, [qw(POST PUT DELETE PATCH OPTIONS TRACE PROPFIND)], 'GET, HEAD'],
    ['', [qw(POST PUT DELETE OPTIONS)], 'GET, HEAD'],
    ['-/ping', [qw(POST PUT TRACE)], 'GET, HEAD'],
    [$name, [qw(POST DELETE PATCH OPTIONS TRACE MKCOL)], 'GET, HEAD, PUT'],
    ["$name/1.0.0", [qw(PUT POST DELETE)], 'GET, HEAD'],
    # GET is npm owner add reading a user; PUT is the login.
    ['-/user/org.couchdb.user:someone', [qw(POST DELETE)], 'GET, HEAD, PUT'],
    ['-/user/token/tsr_x', [qw(GET PUT)], 'DELETE'],
    # The web login: npm's start, the page and its form, npm's poll.
    ['-/v1/login', [qw(GET PUT DELETE)], 'POST'],
    ['-/v1/login/web/AAAAAAAAAAAAAAAAAAAAAA', [qw(PUT DELETE)],
     'GET, HEAD, POST'],
    ['-/v1/login/done/AAAAAAAAAAAAAAAAAAAAAA/x', [qw(POST PUT DELETE)],
     'GET, HEAD'],
    ['-/v1/search?text=x', [qw(POST PUT DELETE)], 'GET, HEAD'],
);
for my $r (@refused) {
    my ($path, $methods, $allow) = @$r;
    for my $m (@$methods) {
        my ($code, $got_allow) = raw($m, $path);
        ok $code == 405 && $got_allow eq $allow,
           "$m /npm/$path: 405, Allow: $allow"
            or diag "got $code, Allow: $got_allow";
    }
}
# The tarball is still there and whole after all of that.
my $res = req(GET => "$base$tgz");
is $res->code, 200, 'tarball still served to GET';

# HEAD: the same status and headers as GET, and no body.
for my $path ('', '-/ping', $name, "$name/1.0.0", "$name/latest", $tgz,
              'no-such-package-here', "$name/9.9.9", "-/v1/search?text=$name") {
    my $g = req(GET => "$base$path");
    my $h = req(HEAD => "$base$path");
    is $h->code, $g->code, "HEAD /npm/$path: status " . $g->code;
    is $h->header('Content-Length') // '', $g->header('Content-Length') // '',
       "HEAD /npm/$path: same Content-Length";
    is $h->content, '', "HEAD /npm/$path: no body";
}
$res = req(HEAD => "$base-/whoami", token => $token);
is $res->code, 200, 'HEAD whoami with a token';

# A scoped package named "-": its tarball URL has two "/-/" in it.
my $scope = $ruser;      # the user's own scope
my $dash = "\@$scope/-";
$res = publish($base, $token, name => $dash, version => '1.0.0');
is $res->code, 201, "publish $dash";
my $doc = json_of(req(GET => "$base\@$scope%2f-"));
my $url = $doc && $doc->{versions}{'1.0.0'}{dist}{tarball};
is $url, "$base\@$scope/-/-/--1.0.0.tgz", 'its tarball URL';
$res = req(GET => $url);
is $res->code, 200, 'and that URL serves the tarball';
is sha1_hex($res->content), $doc->{versions}{'1.0.0'}{dist}{shasum},
   'the bytes published';

# Names are checked by the operation, so a bad one says why.
$res = req(GET => "$base\@scope%2f");
is $res->code, 400, 'GET of "@scope/": 400';
like json_of($res)->{error}, qr/scoped name/, 'saying what a scoped name is';
$res = req(GET => "${base}-/nothing");
is $res->code, 404, 'an unknown /-/ path: 404';
like json_of($res)->{error}, qr/not found/, 'in JSON';
