# Packuments sent gzip'd to clients that take gzip (every npm, pnpm, yarn
# and bun request does): the gzip'd bytes inflate to exactly the plain
# bytes, full and abbreviated, under every base URL (the write's own, a
# configured one, a proxy's); the ETag of the gzip'd form is the plain one
# with "-gz" and If-None-Match with either gives a 304; Accept-Encoding is
# read as RFC 9110 says; HEAD; every write (publish, dist-tag, unpublish)
# changes the gzip'd form in the same write; a restricted package's gzip'd
# form is missing to others; Cache-Control; mod_deflate, when on, never
# compresses twice; and the real npm installs through it, gzip'd.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use File::Path qw(mkpath rmtree);
use IO::Uncompress::Gunzip qw(gunzip $GunzipError);
use JSON::PP ();
use TsciTest qw(base_url req json_of adduser publish publish_body unique
                t_var npm_env run_npm write_file);

Apache::Test::plan(tests => 139, have_lwp);

my $ABBREV = 'application/vnd.npm.install-v1+json';
my $NPM_ACCEPT = "$ABBREV; q=1.0, application/json; q=0.8, */*";
my $base = base_url('/npm/');
my $user = unique('gzuser');
my $token = adduser($base, $user, 'gz-pass-1');
my $name = unique('gz-pkg');

sub inflate {
    my $gz = shift;
    my $out;
    gunzip(\$gz => \$out) or return undef;
    return $out;
}

sub get {
    my ($url, %h) = @_;
    my $tok = delete $h{token};
    return req(GET => $url, headers => \%h, ($tok ? (token => $tok) : ()));
}

is publish($base, $token, name => $name, version => '1.0.0')->code, 201,
   'published through /npm/';

# ---- the same document gzip'd and not, under three bases ----
my @bases = (
    ['/npm/ (the write\'s base)', $base, {}, $base],
    ['/based/ (TsciRegistryBaseURL)', base_url('/based/'), {},
     'https://registry.example.test/pub/'],
    ['/behind/ (a trusted proxy)', base_url('/behind/'),
     { 'X-Forwarded-Proto' => 'https', 'X-Forwarded-Host' => 'proxy.test',
       'X-Forwarded-Prefix' => '/mirror/' },
     'https://proxy.test/mirror/'],
);
my %etag;
for my $b (@bases) {
    my ($what, $url, $h, $links) = @$b;
    for my $form (['full', {}], ['abbreviated', { Accept => $ABBREV }]) {
        my ($fname, $fh) = @$form;
        my $plain = get("$url$name", %$h, %$fh);
        my $gz = get("$url$name", %$h, %$fh, 'Accept-Encoding' => 'gzip');
        is $gz->code, 200, "$what, $fname, gzip: 200";
        is $gz->header('Content-Encoding'), 'gzip',
           "$what, $fname: Content-Encoding: gzip";
        is $gz->header('Content-Length'), length($gz->content),
           "$what, $fname: Content-Length is the gzip'd length";
        my $text = inflate($gz->content);
        is $text, $plain->content,
           "$what, $fname: inflates to the plain bytes, byte for byte";
        my $doc = JSON::PP->new->decode($text // '{}');
        is $doc->{versions}{'1.0.0'}{dist}{tarball},
           "$links$name/-/$name-1.0.0.tgz",
           "$what, $fname: the tarball link of this base";
        is $gz->header('ETag'),
           substr($plain->header('ETag'), 0, -1) . '-gz"',
           "$what, $fname: the plain ETag with -gz";
        $etag{"$what $fname"} = [$plain->header('ETag'), $gz->header('ETag'),
                                 $h, $fh, $url];
    }
}
my $plain = get("$base$name");
my $gz = get("$base$name", 'Accept-Encoding' => 'gzip');
sub vary { join ',', sort map { s/^\s+|\s+$//gr } split /,/, $_[0] // '' }
is vary($gz->header('Vary')), 'Accept,Accept-Encoding',
   'Vary: Accept-Encoding, Accept (gzip\'d)';
is vary($plain->header('Vary')), 'Accept,Accept-Encoding',
   'Vary: Accept-Encoding, Accept (plain)';
is $gz->header('Cache-Control'), 'public, max-age=300',
   'a public packument may be cached five minutes';
is $plain->header('Cache-Control'), 'public, max-age=300', '(plain too)';
ok length($gz->content) < length($plain->content) / 2,
   'gzip\'d to under half the size ('
   . length($gz->content) . ' of ' . length($plain->content) . ')';

# ---- conditional requests: either ETag of the revision gives a 304 ----
for my $k (sort keys %etag) {
    my ($pe, $ge, $h, $fh, $url) = @{ $etag{$k} };
    my $r = get("$url$name", %$h, %$fh, 'Accept-Encoding' => 'gzip',
                'If-None-Match' => $ge);
    is $r->code, 304, "$k: gzip'd ETag, gzip accepted: 304";
    $r = get("$url$name", %$h, %$fh, 'Accept-Encoding' => 'gzip',
             'If-None-Match' => $pe);
    is $r->code, 304, "$k: plain ETag, gzip accepted: 304";
    is $r->header('ETag'), $pe, "$k: ... with the ETag the client holds";
    $r = get("$url$name", %$h, %$fh, 'If-None-Match' => $ge);
    is $r->code, 304, "$k: gzip'd ETag, plain asked: 304";
}
my ($pe, $ge) = @{ $etag{"$bases[0][0] full"} };
my $r = get("$base$name", 'Accept-Encoding' => 'gzip',
            'If-None-Match' => '"1-0000-f00000000-gz"');
is $r->code, 200, 'an ETag of no revision of it: 200';
is $r->header('Content-Encoding'), 'gzip', '... gzip\'d';

# ---- Accept-Encoding as RFC 9110 reads it ----
my @ae = (
    ['gzip', 1], ['x-gzip', 1], ['GZIP', 1], ['gzip, deflate, br', 1],
    ['deflate, gzip;q=0.5', 1], ['*', 1], ['br;q=1.0, *;q=0.1', 1],
    ['gzip;q=0', 0], ['gzip; q=0.000', 0], ['identity', 0], ['br', 0],
    ['*;q=0', 0], ['gzip;q=0, *', 0], ['', 0], ['gzip;q=x', 0],
);
for my $a (@ae) {
    my ($value, $yes) = @$a;
    my $r = get("$base$name", 'Accept-Encoding' => $value);
    if ($yes) {
        ok(($r->header('Content-Encoding') // '') eq 'gzip'
           && inflate($r->content) eq $plain->content,
           "Accept-Encoding: '$value': gzip'd");
    }
    else {
        ok(!defined $r->header('Content-Encoding')
           && $r->content eq $plain->content,
           "Accept-Encoding: '$value': plain");
    }
}

# ---- HEAD ----
for my $form (['full', {}], ['abbreviated', { Accept => $ABBREV }]) {
    my ($fname, $fh) = @$form;
    my $g = get("$base$name", %$fh, 'Accept-Encoding' => 'gzip');
    my $h = req(HEAD => "$base$name",
                headers => { %$fh, 'Accept-Encoding' => 'gzip' });
    is $h->code, 200, "HEAD, $fname, gzip: 200";
    is $h->header('Content-Encoding'), 'gzip', "HEAD, $fname: gzip";
    is $h->header('Content-Length'), length($g->content),
       "HEAD, $fname: the GET's Content-Length";
    is $h->content, '', "HEAD, $fname: no body";
}

# ---- every write changes the gzip'd form in the same write ----
sub both_say {
    my ($what, $check) = @_;
    for my $b (@bases[0, 1]) {
        my ($bw, $url) = @$b;
        for my $fh ({}, { Accept => $NPM_ACCEPT }) {
            my $p = get("$url$name", %$fh);
            my $g = get("$url$name", %$fh, 'Accept-Encoding' => 'gzip');
            my $doc = JSON::PP->new->decode(inflate($g->content) // '{}');
            ok($g->header('Content-Encoding') eq 'gzip'
               && inflate($g->content) eq $p->content && $check->($doc),
               "$what: the gzip'd form under $bw ("
               . ($fh->{Accept} ? 'abbreviated' : 'full') . ') has it');
        }
    }
}
is publish($base, $token, name => $name, version => '1.1.0')->code, 201,
   'published 1.1.0';
both_say('after a publish', sub {
    $_[0]{versions}{'1.1.0'} && $_[0]{'dist-tags'}{latest} eq '1.1.0' });
$r = req(PUT => "${base}-/package/$name/dist-tags/beta", token => $token,
         body => '"1.0.0"');
is $r->code, 201, 'dist-tag add beta 1.0.0' or diag $r->content;
both_say('after a dist-tag add', sub {
    ($_[0]{'dist-tags'}{beta} // '') eq '1.0.0' });
# npm unpublish <name>@1.1.0 sends the document without the version.
my $doc = json_of(get("$base$name"));
delete $doc->{versions}{'1.1.0'};
$doc->{'dist-tags'} = { latest => '1.0.0', beta => '1.0.0' };
$r = req(PUT => "$base$name/-rev/$doc->{_rev}", token => $token,
         body => $doc);
is $r->code, 200, 'unpublished 1.1.0' or diag $r->content;
both_say('after unpublishing a version', sub {
    !$_[0]{versions}{'1.1.0'} && $_[0]{'dist-tags'}{latest} eq '1.0.0' });
# A write through another Location keeps every base right: /based/ now
# has the stored form, /npm/ is compressed while it waits.
is publish(base_url('/based/'), $token, name => $name,
           version => '1.2.0')->code, 201, 'published 1.2.0 through /based/';
both_say('after a publish through /based/', sub {
    $_[0]{versions}{'1.2.0'} });

# ---- a whole package unpublished: no gzip'd form either ----
my $gone = unique('gz-gone');
is publish($base, $token, name => $gone, version => '1.0.0')->code, 201;
$doc = json_of(get("$base$gone"));
$r = req(DELETE => "$base$gone/-rev/$doc->{_rev}", token => $token);
is $r->code, 200, 'unpublished the whole package' or diag $r->content;
$r = get("$base$gone", 'Accept-Encoding' => 'gzip');
is $r->code, 404, 'gzip\'d read of an unpublished package: 404';
isnt $r->header('Content-Encoding'), 'gzip', '... not a gzip\'d document';

# ---- a restricted package ----
my $scoped = "\@$user/secret";
(my $esc = $scoped) =~ s{/}{%2f};
my $body = publish_body(name => $scoped, version => '1.0.0');
$body->{access} = 'restricted';
is req(PUT => "$base$esc", token => $token, body => $body)->code, 201,
   'published a restricted package';
my $other = adduser($base, unique('gzother'), 'gz-pass-2');
for my $fh ({}, { Accept => $ABBREV }) {
    my $form = $fh->{Accept} ? 'abbreviated' : 'full';
    $r = get("$base$esc", %$fh, 'Accept-Encoding' => 'gzip');
    is $r->code, 404, "restricted, $form, gzip, anonymous: 404";
    $r = get("$base$esc", %$fh, 'Accept-Encoding' => 'gzip',
             token => $other);
    is $r->code, 404, "restricted, $form, gzip, another user: 404";
    $r = get("$base$esc", %$fh, 'Accept-Encoding' => 'gzip',
             token => $token);
    is $r->header('Content-Encoding'), 'gzip',
       "restricted, $form, gzip, its owner: gzip'd";
    is $r->header('Cache-Control'), 'private, no-cache',
       "restricted, $form: private, no-cache";
    is inflate($r->content),
       get("$base$esc", %$fh, token => $token)->content,
       "restricted, $form: inflates to the plain bytes";
}

# ---- tarballs: cached for good, never compressed again ----
my $tgz = "$base$name/-/$name-1.0.0.tgz";
$r = get($tgz, 'Accept-Encoding' => 'gzip');
is $r->code, 200, 'tarball: 200';
is $r->header('Cache-Control'), 'public, max-age=31536000, immutable',
   'a public tarball is immutable';
ok !defined $r->header('Content-Encoding'), 'tarball: no Content-Encoding';

# ---- mod_deflate on: still compressed once ----
my $dbase = base_url('/deflated/');
$r = get("$dbase$name", 'Accept-Encoding' => 'gzip');
my $dplain = get("$dbase$name");
is $r->header('Content-Encoding'), 'gzip', 'under mod_deflate: gzip';
is inflate($r->content), $dplain->content,
   'under mod_deflate: one inflate gives the JSON (not compressed twice)';
is $dplain->header('Content-Encoding'), undef,
   'under mod_deflate: no gzip for a client that takes none';
$r = get("$dbase$name/-/$name-1.0.0.tgz", 'Accept-Encoding' => 'gzip');
is $r->content, get($tgz)->content,
   'under mod_deflate: the tarball\'s bytes as published';
ok !defined $r->header('Content-Encoding'),
   'under mod_deflate: the tarball has no Content-Encoding';

# ---- the real npm installs through it, gzip'd ----
SKIP: {
    skip 'npm is not installed', 5
        if system('npm --version >/dev/null 2>&1') != 0;
    my $env = npm_env('gzip');
    my $work = t_var() . '/npm-gzip-work';
    rmtree($work);
    mkpath($work);
    write_file("$work/package.json",
               qq({"name": "gz-app", "version": "1.0.0", "private": true}\n));
    my $log = Apache::Test::vars('t_logs') . '/access_log';
    my $from = -s $log;
    my ($rc, $out) = run_npm($env, $work, 'install', "$name\@1.2.0",
                             "--registry=$base");
    is $rc, 0, 'npm install' or diag $out;
    ok -f "$work/node_modules/$name/package.json", 'installed';
    # npm may read the full document as well as the abbreviated one
    # (arborist does for a spec it adds): each read must be gzip'd.
    open my $fh, '<', $log or die "$log: $!";
    seek $fh, $from, 0;
    my @bytes = map { m{"GET /npm/\Q$name\E HTTP/1\.1" 200 (\d+) } ? $1 : () }
        <$fh>;
    close $fh;
    my %gzlen = map {
        (length get("$base$name", @$_, 'Accept-Encoding' => 'gzip')->content
            => 1)
    } ([], [Accept => $NPM_ACCEPT]);
    my %plainlen = map { (length get("$base$name", @$_)->content => 1) }
        ([], [Accept => $NPM_ACCEPT]);
    ok scalar(@bytes) >= 1, 'npm read the packument (' . scalar(@bytes)
       . ' times)';
    is scalar(grep { $gzlen{$_} } @bytes), scalar(@bytes),
       'every packument npm read was sent gzip\'d (' . "@bytes"
       . ' bytes; gzip\'d forms: ' . join(' ', sort keys %gzlen) . ')';
    is scalar(grep { $plainlen{$_} } @bytes), 0, '... and none plain';
}
