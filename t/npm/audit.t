# npm's audits and the registry's signatures, with the real npm client:
# packages published with npm publish, installed anonymously with npm
# install (whose audit says "found 0 vulnerabilities"), npm audit, and npm
# audit signatures (only its internet lookup of Sigstore's TUF repository
# answered "not found" by t/lib/tuf-stub.js, as npm-protocol.md 6.19's
# mock did); every installed version's dist.signatures checked apart from
# npm with openssl against GET /-/npm/v1/keys, and shown to fail for a
# tampered integrity or a wrong key.  Hand-made audit requests: gzip'd or
# not, and refused with a 4xx and a JSON reason when they are a gzip bomb,
# cut short, not JSON, the wrong shape or too large
# (TsciRegistryMaxAuditBodySize, announced, chunked and once inflated),
# the child serving them surviving.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use File::Path qw(mkpath rmtree);
use IO::Socket::INET ();
use IO::Compress::Gzip qw(gzip $GzipError);
use MIME::Base64 qw(decode_base64 encode_base64);
use Digest::SHA qw(sha256_base64);
use JSON::PP ();
use TsciTest qw(base_url req json_of adduser unique t_var npm_env
                npm_token_env run_npm write_file slurp logged url_path
                signal_deaths);

Apache::Test::plan(tests => 129, need_npm());

sub need_npm {
    return 1 if system('npm --version >/dev/null 2>&1') == 0;
    return Apache::Test::skip_reason('npm is not installed');
}

my $json = JSON::PP->new->canonical;
my $npm = base_url('/npm/');
my $private = base_url('/private/');
my $smallaudit = base_url('/smallaudit/');
my ($hp) = $npm =~ m{^http://([^/]+)} or die "no host in $npm";
my $errlog = Apache::Test::vars('t_logs') . '/error_log';
my $log_from = () = do { open my $fh, '<', $errlog; <$fh> };
my $work = t_var() . '/npm-audit-work';
rmtree($work);
mkpath($work);

my $bulk_path = '-/npm/v1/security/advisories/bulk';
my $quick_path = '-/npm/v1/security/audits/quick';

# ---- Publish with npm, install with npm (anonymously), audit ----
my $user = unique('auditor');
my $token = adduser($npm, $user, 'audit-pass-1');
my $dep = unique('audited-dep');
my $lib = "\@$user/audited-lib";
my $pub_env = npm_token_env('audit-pub', $npm, $token);
for my $p ([$dep, {}], [$lib, { $dep => '^1.0.0' }]) {
    my ($name, $deps) = @$p;
    (my $base = $name) =~ s{\@|/}{_}g;
    my $dir = "$work/pkg-$base";
    mkpath($dir);
    write_file("$dir/package.json", $json->encode({
        name => $name, version => '1.0.0', main => 'index.js',
        license => 'MIT', dependencies => $deps }));
    write_file("$dir/index.js", "module.exports = '$name';\n");
    my ($rc, $out) = run_npm($pub_env, $dir, 'publish', "--registry=$npm");
    is $rc, 0, "npm publish $name" or diag $out;
}

# The project installs from a fresh cache without credentials: installs
# without a login run the audit too.  (npm_env turns the audit off; the
# command line turns it on again.)
my $env = npm_env('audit-install');
my $proj = "$work/project";
mkpath($proj);
write_file("$proj/package.json", $json->encode({
    name => 'audit-app', version => '1.0.0', private => JSON::PP::true,
    dependencies => { $lib => '^1.0.0' } }));
my $bulk_url = url_path($npm) . $bulk_path;
my $anon_before = logged(POST => $bulk_url, 200, '-');
my ($rc, $out) = run_npm($env, $proj, 'install', '--audit=true',
                         "--registry=$npm");
is $rc, 0, 'npm install' or diag $out;
like $out, qr/added 2 packages, and audited 3 packages/,
     'npm install audited what it installed';
like $out, qr/^found 0 vulnerabilities$/m, 'and found 0 vulnerabilities';
unlike $out, qr/npm (?:warn|error)/, 'with no warning or error' or diag $out;
is logged(POST => $bulk_url, 200, '-') - $anon_before, 1,
   'its audit was one anonymous POST of the bulk endpoint, 200';

($rc, $out) = run_npm($env, $proj, 'audit', "--registry=$npm");
is $rc, 0, 'npm audit exits 0' or diag $out;
like $out, qr/^found 0 vulnerabilities$/m, 'npm audit: found 0 vulnerabilities';
($rc, $out) = run_npm($env, $proj, 'audit', '--json', "--registry=$npm");
my $report = eval { $json->decode($out) };
is_deeply $report && $report->{vulnerabilities}, {},
          'npm audit --json: no vulnerabilities' or diag $out;
is $report && $report->{metadata}{vulnerabilities}{total}, 0,
   'npm audit --json: a total of 0';
is $report && $report->{metadata}{dependencies}{prod}, 3,
   'npm audit --json: the project and its 2 packages';

# ---- The keys ----
my $res = req(GET => "$npm-/npm/v1/keys");
is $res->code, 200, 'GET /-/npm/v1/keys, anonymously: 200';
like $res->header('Content-Type'), qr{^application/json}, 'as JSON';
my $keys = json_of($res);
is ref($keys && $keys->{keys}), 'ARRAY', 'a keys array';
is scalar @{ $keys->{keys} || [] }, 1, 'one key';
my $key = $keys->{keys}[0] || {};
is_deeply [sort keys %$key], [qw(expires key keyid keytype scheme)],
          'with the fields npm reads';
ok exists $key->{expires} && !defined $key->{expires}, 'expires: null';
is $key->{keytype}, 'ecdsa-sha2-nistp256', 'keytype';
is $key->{scheme}, 'ecdsa-sha2-nistp256', 'scheme';
my $der = decode_base64($key->{key} // '');
is length $der, 91, 'key: the base64 of a P-256 SubjectPublicKeyInfo';
is $key->{keyid}, 'SHA256:' . sha256_base64($der),
   'keyid: SHA256: and the unpadded base64 of its SHA-256';
my $pem = "$work/registry-key.pem";
(my $wrapped = encode_base64($der, '')) =~ s/(.{64})/$1\n/g;
write_file($pem, "-----BEGIN PUBLIC KEY-----\n$wrapped\n-----END PUBLIC KEY-----\n");
like scalar `openssl pkey -pubin -in \Q$pem\E -noout -text 2>&1`,
     qr/NIST CURVE: P-256/, 'openssl reads it as a NIST P-256 public key';

# Does sig (base64) verify msg with the public key in $pem_file?
sub openssl_verifies {
    my ($pem_file, $msg, $sig) = @_;
    write_file("$work/msg", $msg);
    open my $fh, '>:raw', "$work/sig" or die $!;
    print $fh decode_base64($sig);
    close $fh;
    my $said = `openssl dgst -sha256 -verify \Q$pem_file\E -signature \Q$work/sig\E \Q$work/msg\E 2>&1`;
    return $? == 0 && $said =~ /Verified OK/;
}

# ---- Every installed version's signature ----
my $lock = eval { $json->decode(slurp("$proj/package-lock.json")) } || {};
for my $name ($dep, $lib) {
    my $installed = eval {
        $json->decode(slurp("$proj/node_modules/$name/package.json"))
    } || {};
    my $v = $installed->{version} // 'none';
    is $v, '1.0.0', "$name installed";
    (my $esc = $name) =~ s{/}{%2f};
    my $full = json_of(req(GET => "$npm$esc",
                           headers => { Accept => 'application/json' }));
    my $dist = $full && $full->{versions}{$v}{dist} || {};
    my $sigs = $dist->{signatures};
    is ref $sigs, 'ARRAY', "$name: dist.signatures in the full packument";
    is scalar @{ $sigs || [] }, 1, "$name: one signature";
    my $sig = $sigs && $sigs->[0] || {};
    is $sig->{keyid}, $key->{keyid}, "$name: signed by the listed key";
    is $dist->{integrity},
       $lock->{packages}{"node_modules/$name"}{integrity},
       "$name: dist.integrity is what npm installed and locked";
    my $msg = "$name\@$v:$dist->{integrity}";
    ok openssl_verifies($pem, $msg, $sig->{sig} // ''),
       "$name: openssl verifies the signature of $name\@$v:<integrity>";
    (my $tampered = $msg) =~ s/(.)==$/($1 eq 'A' ? 'B' : 'A') . '=='/e;
    isnt $tampered, $msg, "$name: a tampered integrity differs";
    ok !openssl_verifies($pem, $tampered, $sig->{sig} // ''),
       "$name: and does not verify";
    ok !openssl_verifies($pem, "$name\@1.0.1:$dist->{integrity}",
                         $sig->{sig} // ''),
       "$name: nor does another version";
    my $manifest = json_of(req(GET => "$npm$esc/$v"));
    is_deeply $manifest && $manifest->{dist}{signatures}, $sigs,
              "$name: the version manifest carries the same signature";
    my $abbrev = json_of(req(GET => "$npm$esc", headers => {
        Accept => 'application/vnd.npm.install-v1+json; q=1.0, '
                  . 'application/json; q=0.8, */*' }));
    my $adist = $abbrev && $abbrev->{versions}{$v}{dist} || {};
    is $adist->{integrity}, $dist->{integrity},
       "$name: the abbreviated packument has the integrity";
    ok !exists $adist->{signatures},
       "$name: but not the signatures, which npm reads from the full one";
}

# ---- npm audit signatures ----
my $stub = Apache::Test::vars('top_dir') . '/t/lib/tuf-stub.js';
my $tuf_log = "$work/tuf.log";
sub audit_signatures {
    my (%extra) = @_;
    unlink $tuf_log;
    local $ENV{NODE_OPTIONS} = "--require $stub";
    local $ENV{TUF_STUB_LOG} = $tuf_log;
    local $ENV{TUF_STUB_TARGET} = $extra{target} if $extra{target};
    return run_npm($env, $proj, 'audit', 'signatures', "--registry=$npm");
}
my $keys_url = url_path($npm) . '-/npm/v1/keys';
my $keys_before = logged(GET => $keys_url, 200, '-');
($rc, $out) = audit_signatures();
is $rc, 0, 'npm audit signatures exits 0' or diag $out;
like $out, qr/^audited 2 packages/m, 'it audited both packages';
like $out, qr/^2 packages have verified registry signatures$/m,
     'both have verified registry signatures';
like slurp($tuf_log), qr{^\Q$hp\E/npm/keys\.json$}m,
     'npm asked TUF for this registry\'s keys first';
like $out, qr/Fetching verification keys using TUF failed\.  Fetching directly from \Q$npm\E/,
     'and then fetched them from the registry';
is logged(GET => $keys_url, 200, '-') - $keys_before, 1,
   'GET /-/npm/v1/keys, anonymously, 200';

# The same check with another key under the listed keyid (as if TUF had
# given it): npm must find every signature invalid.
my $other = "$work/other-key.pem";
system("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out \Q$other\E 2>/dev/null") == 0
    or die 'openssl genpkey failed';
my $other_pub = `openssl pkey -in \Q$other\E -pubout -outform DER 2>/dev/null`;
write_file("$work/tuf-target.json", $json->encode({ keys => [{
    keyId => $key->{keyid}, keyUsage => 'npm:signatures',
    publicKey => { rawBytes => encode_base64($other_pub, ''),
                   keyDetails => 'PKIX_ECDSA_P256_SHA_256',
                   validFor => { start => '1999-01-01T00:00:00.000Z' } } }] }));
($rc, $out) = audit_signatures(target => "$work/tuf-target.json");
is $rc, 1, 'with a wrong key, npm audit signatures exits 1';
like $out, qr/^2 packages have invalid registry signatures/m,
     'and finds both signatures invalid' or diag $out;

# ---- Hand-made audits ----
sub gz {
    my $plain = shift;
    my $out;
    gzip(\$plain => \$out) or die $GzipError;
    return $out;
}

sub post {
    my ($url, $body, %h) = @_;
    return req(POST => $url, body => $body,
               headers => { 'Content-Type' => 'application/json', %h });
}

# A 4xx whose JSON body says why, in the registry's error shape.
sub refused {
    my ($res, $code, $why, $label) = @_;
    my $d = json_of($res);
    is $res->code, $code, "$label: $code";
    ok $d && defined $d->{error} && defined $d->{reason}
       && $d->{error} eq $d->{reason},
       "$label: an error body with error and reason" or diag $res->content;
    like $d && $d->{error}, $why, "$label: says why";
}

my $bulk = '{"demo-pkg":["1.1.0"],"@alice/scoped-pkg":["0.1.0"]}';
$res = post("$npm$bulk_path", $bulk);
is $res->code, 200, 'bulk, plain JSON: 200';
is $res->content, '{}', 'no advisories: {}';
$res = post("$npm$bulk_path", gz($bulk), 'Content-Encoding' => 'gzip');
is $res->code, 200, 'bulk, gzip: 200';
is $res->content, '{}', 'no advisories: {}';
$res = post("$npm$bulk_path", gz($bulk), 'Content-Encoding' => 'x-gzip');
is $res->code, 200, 'bulk, x-gzip: 200';

my $tree = $json->encode({ dependencies => { '.' => {
    dev => JSON::PP::false, version => '1.0.0',
    dependencies => {
        'a' => { version => '1.0.0', dev => JSON::PP::false,
                 integrity => 'sha512-x',
                 dependencies => { 'b' => { version => '2.0.0',
                                            dev => JSON::PP::false } } },
        'c' => { version => '3.0.0', dev => JSON::PP::true } } } },
    install => [], remove => [], metadata => {}, dev => JSON::PP::false });
for my $p ($quick_path, '-/npm/v1/security/audits') {
    $res = post("$npm$p", $tree);
    is $res->code, 200, "POST /-/$p: 200";
    is_deeply json_of($res), {
        actions => [], advisories => {}, muted => [],
        metadata => { vulnerabilities => { info => 0, low => 0, moderate => 0,
                                           high => 0, critical => 0 },
                      dependencies => 2, devDependencies => 1,
                      optionalDependencies => 0, totalDependencies => 3 } },
        "the legacy report pnpm reads, the tree counted";
}
$res = post("$npm$quick_path", gz($tree), 'Content-Encoding' => 'gzip');
is $res->code, 200, 'the quick audit gzip\'d: 200';

# The Location's Require applies to audits too.
$res = post("$private$bulk_path", $bulk);
is $res->code, 401, 'under Require valid-user, an anonymous audit: 401';
$res = req(POST => "$private$bulk_path", body => $bulk, token => $token);
is $res->code, 200, 'with a token: 200';
$res = req(GET => "$private-/npm/v1/keys");
is $res->code, 401, 'and the keys: 401 without a user';
# docs/access-control.md's registry writable by a group lets anyone audit.
my $team = base_url('/team/');
$res = post("$team$bulk_path", $bulk);
is $res->code, 200, 'readable by all, writable by a group: anyone audits';
$res = post("$team$quick_path", $tree);
is $res->code, 200, 'the quick audit too';

# Methods.
$res = req(GET => "$npm$bulk_path");
is $res->code, 405, 'GET of the bulk endpoint: 405';
is $res->header('Allow'), 'POST', 'Allow: POST';
$res = req(POST => "$npm-/npm/v1/keys", body => '{}');
is $res->code, 405, 'POST of the keys: 405';
is $res->header('Allow'), 'GET, HEAD', 'Allow: GET, HEAD';
$res = req(HEAD => "$npm-/npm/v1/keys");
ok $res->code == 200 && $res->content eq '', 'HEAD of the keys: 200, no body';

# Bodies that are not audits.
refused(post("$npm$bulk_path", '["demo-pkg"]'), 400, qr/must be an object/,
        'bulk, an array');
refused(post("$npm$bulk_path", '{"demo-pkg":"1.0.0"}'), 400,
        qr/entry for demo-pkg must be an array of versions/,
        'bulk, a version not in an array');
refused(post("$npm$bulk_path", '{"demo-pkg":[1]}'), 400,
        qr/versions of demo-pkg must be strings/, 'bulk, a number');
refused(post("$npm$bulk_path", gz('{"demo-pkg":')), 400,
        qr/malformed JSON/, 'bulk, gzip\'d text that is not JSON');
refused(post("$npm$quick_path", '{"dependencies":{".":{"dependencies":{"a":7}}}}'),
        400, qr/dependency \. > a must be an object/,
        'quick audit, a node that is not an object');
my $whole = gz($bulk);
refused(post("$npm$bulk_path", substr($whole, 0, length($whole) - 6),
             'Content-Encoding' => 'gzip'), 400, qr/not valid gzip/,
        'bulk, gzip cut short');
refused(post("$npm$bulk_path", $bulk, 'Content-Encoding' => 'gzip'), 400,
        qr/not valid gzip/, 'bulk said to be gzip but plain');
refused(post("$npm$bulk_path", $bulk, 'Content-Encoding' => 'br'), 415,
        qr/Content-Encoding br is not one the registry takes/,
        'bulk, brotli');
refused(req(POST => "$npm$bulk_path", body => $bulk,
            headers => { 'Content-Type' => 'text/plain' }), 415,
        qr/must be application\/json/, 'bulk, text/plain');

# A gzip bomb: 64 MiB of "0" in a version string, 64 KB sent.
my $bomb;
{
    my $z = IO::Compress::Gzip->new(\$bomb) or die $GzipError;
    $z->print('{"demo-pkg":["');
    $z->print('0' x (1 << 20)) for 1 .. 64;
    $z->print('"]}');
    $z->close;
}
ok length($bomb) < 256 * 1024, 'the bomb is small: ' . length($bomb) . ' bytes';
refused(post("$npm$bulk_path", $bomb, 'Content-Encoding' => 'gzip'), 413,
        qr/inflates to more than the limit of 8000000 bytes/,
        'a gzip bomb under the default limit');

# One byte over the default limit, announced: refused before it is sent.
sub raw_post {
    my ($path, %o) = @_;
    my $sock = IO::Socket::INET->new(PeerAddr => $hp, Timeout => 60)
        or die "connect $hp: $!";
    local $SIG{PIPE} = 'IGNORE';
    my $head = "POST $path HTTP/1.1\r\nHost: $hp\r\nConnection: close\r\n"
        . "Content-Type: application/json\r\n";
    $head .= "Content-Encoding: $o{encoding}\r\n" if $o{encoding};
    if ($o{chunks}) {
        print $sock "${head}Transfer-Encoding: chunked\r\n\r\n";
        printf $sock "%x\r\n%s\r\n", length $_, $_ for @{ $o{chunks} };
        print $sock "0\r\n\r\n";
    }
    else {
        print $sock "${head}Content-Length: $o{length}\r\n\r\n";
    }
    my $reply = do { local $/; <$sock> } // '';
    close $sock;
    my ($status) = $reply =~ m{^HTTP/1\.1 (\d{3}) };
    my ($text) = $reply =~ m{\r\n\r\n(.*)\z}s;
    return ($status // 0, eval { $json->decode($text // '') });
}
my ($status, $reply) = raw_post("/npm/$bulk_path", length => 8_000_001);
is $status, 413, 'a body announced one byte over the default limit: 413';
like $reply && $reply->{error},
     qr/of 8000001 bytes is larger than the limit of 8000000/, 'says so';

# TsciRegistryMaxAuditBodySize 1024 (/smallaudit/): exactly the limit
# passes, one byte more does not, sent plain, chunked or gzip'd.
sub bulk_of_size {
    my $n = shift;
    return '{"' . ('a' x ($n - 14)) . '":["1.0.0"]}';
}
is length bulk_of_size(1024), 1024, 'a bulk body of 1024 bytes';
$res = post("$smallaudit$bulk_path", bulk_of_size(1024));
is $res->code, 200, 'exactly the limit, plain: 200';
refused(post("$smallaudit$bulk_path", bulk_of_size(1025)), 413,
        qr/of 1025 bytes is larger than the limit of 1024/,
        'one byte over, plain');
($status, $reply) = raw_post("/smallaudit/$bulk_path",
                             chunks => [unpack '(a100)*', bulk_of_size(1024)]);
is $status, 200, 'exactly the limit, chunked: 200';
($status, $reply) = raw_post("/smallaudit/$bulk_path",
                             chunks => [unpack '(a100)*', bulk_of_size(1025)]);
is $status, 413, 'one byte over, chunked: 413';
like $reply && $reply->{error}, qr/larger than the limit of 1024 bytes/,
     'says so';
$res = post("$smallaudit$bulk_path", gz(bulk_of_size(1024)),
            'Content-Encoding' => 'gzip');
is $res->code, 200, 'gzip\'d, inflating to exactly the limit: 200';
refused(post("$smallaudit$bulk_path", gz(bulk_of_size(1025)),
             'Content-Encoding' => 'gzip'), 413,
        qr/inflates to more than the limit of 1024 bytes/,
        'gzip\'d, inflating to one byte over');
my $noise = join '', map { chr int rand 256 } 1 .. 2000;
refused(post("$smallaudit$bulk_path", gz($noise),
             'Content-Encoding' => 'gzip'), 413,
        qr/larger than the limit of 1024/, 'gzip\'d, over the limit as sent');
($status, $reply) = raw_post("/smallaudit/$bulk_path", encoding => 'gzip',
                             chunks => [unpack '(a1000)*', $bomb]);
is $status, 413, 'the bomb chunked: 413';
refused(post("$smallaudit$quick_path", '{"dependencies":{"x":{"version":"'
                                        . ('1' x 1100) . '"}}}'), 413,
        qr/larger than the limit of 1024/, 'the quick audit has the limit too');

# The children lived through all of it.
$res = req(GET => "${npm}-/ping");
is $res->code, 200, 'the registry still answers';
is_deeply [map { "$_->[0] $_->[1]" } signal_deaths($errlog, $log_from)], [],
          'no child died of a signal';
