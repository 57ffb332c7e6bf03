# Restricted packages (npm publish --access restricted): read by their
# maintainers and the registry's administrators alone, on every URL that
# shows them (packument, abbreviated packument, version, tag, tarball,
# HEAD), missing to everyone else with the same 404 as a package that does
# not exist, and sent with Cache-Control: private.  npm access get status,
# set status=public|private and list collaborators with the real npm.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use File::Path qw(mkpath);
use TsciTest qw(base_url req json_of adduser publish publish_body unique
                t_var npm_env run_npm write_file store_state
                npm_token_env);

Apache::Test::plan(tests => 57, have_lwp);

my $base = base_url('/npm/');
my $admin = adduser($base, 'regadmin', 'regadmin-pass-1');
my $owner = unique('rowner');
my $otok = adduser($base, $owner, 'owner-pass-1');
my $other = unique('rother');
my $xtok = adduser($base, $other, 'other-pass-1');
my $pkg = "\@$owner/secret";
(my $esc = $pkg) =~ s{/}{%2f};
my $ABBREV = 'application/vnd.npm.install-v1+json';

my $body = publish_body(name => $pkg, version => '1.0.0');
$body->{access} = 'restricted';
my $res = req(PUT => "$base$esc", token => $otok, body => $body);
is $res->code, 201, 'published with "access": "restricted"';
my $tgz = "$base$pkg/-/secret-1.0.0.tgz";
my $missing = json_of(req(GET => "$base\@$owner%2fno-such-thing"))->{error};

# [what, path, headers]
my @reads = (
    ['packument', $esc, {}],
    ['abbreviated packument', $esc, { Accept => $ABBREV }],
    ['version', "$esc/1.0.0", {}],
    ['tag', "$esc/latest", {}],
    ['missing tag', "$esc/nosuchtag", {}],
    ['missing version', "$esc/9.9.9", {}],
);
for my $r (@reads) {
    my ($what, $path, $h) = @$r;
    $res = req(GET => "$base$path", headers => $h);
    is $res->code, 404, "anonymous $what: 404";
    $res = req(GET => "$base$path", headers => $h, token => $xtok);
    is $res->code, 404, "another user's $what: 404";
}
is json_of($res)->{error}, $missing,
   'the same answer as a package that does not exist';
$res = req(GET => $tgz, token => $xtok);
is $res->code, 404, 'another user\'s GET of the tarball: 404';
is $res->header('Content-Type'), 'application/json', 'from the registry';
is req(HEAD => $tgz)->code, 404, 'anonymous HEAD of the tarball: 404';
is req(GET => $tgz)->code, 404, 'anonymous GET of the tarball: 404';

for my $r (@reads[0 .. 3]) {
    my ($what, $path, $h) = @$r;
    $res = req(GET => "$base$path", headers => $h, token => $otok);
    is $res->code, 200, "the maintainer's $what: 200";
}
like $res->header('Cache-Control'), qr/^private/, 'Cache-Control: private';
$res = req(GET => $tgz, token => $otok);
is $res->code, 200, 'the maintainer gets the tarball';
like $res->header('Cache-Control') // '', qr/^private/, 'private too';
is req(GET => "$base$esc", token => $admin)->code, 200,
   'an administrator reads it';
$res = req(GET => "$base$esc", token => $otok);
ok !exists json_of($res)->{access}, 'the packument does not show "access"';

# A second version stays restricted; unscoped names cannot be restricted.
is publish($base, $otok, name => $pkg, version => '1.1.0')->code, 201,
   'a new version';
is req(GET => "$base$esc/1.1.0")->code, 404, 'restricted as well';
my $plain = unique('rplain');
$body = publish_body(name => $plain, version => '1.0.0');
$body->{access} = 'restricted';
is req(PUT => "$base$plain", token => $otok, body => $body)->code, 400,
   'an unscoped package cannot be restricted';

# ---- npm access, with the real npm ----
SKIP: {
    skip 'npm is not installed', 9
        unless system('npm --version >/dev/null 2>&1') == 0;
    my $work = t_var() . '/npm-restricted-work';
    mkpath(["$work/app", "$work/other"]);
    my %env = map { $_->[0] => npm_token_env("restricted-$_->[0]", $base,
                                               $_->[1]) }
        [$owner, $otok], [$other, $xtok];
    my ($rc, $out) = run_npm($env{$owner}, $work, 'access', 'get', 'status',
                             $pkg, "--registry=$base");
    is $rc, 0, 'npm access get status' or diag $out;
    like $out, qr/private/, 'private';
    ($rc, $out) = run_npm($env{$owner}, $work, 'access',
                          'list', 'collaborators', $pkg, "--registry=$base");
    like $out, qr/\Q$owner\E: read-write/, 'npm access list collaborators'
        or diag $out;
    ($rc, $out) = run_npm($env{$owner}, "$work/app", 'install', $pkg,
                          "--registry=$base");
    is $rc, 0, 'the maintainer installs it' or diag $out;
    ($rc, $out) = run_npm($env{$other}, "$work/other", 'install', $pkg,
                          "--registry=$base");
    isnt $rc, 0, 'another user cannot';
    like $out, qr/E404/, 'npm says it is not there' or diag "rc $rc: $out";
    ($rc, $out) = run_npm($env{$other}, $work, 'access', 'set',
                          'status=public', $pkg, "--registry=$base");
    isnt $rc, 0, 'another user cannot make it public';
    ($rc, $out) = run_npm($env{$owner}, $work, 'access', 'set',
                          'status=public', $pkg, "--registry=$base");
    is $rc, 0, 'npm access set status=public' or diag $out;
    like $out, qr/public/, 'npm says public';
}
# Whatever npm did: public now, then private again, over HTTP.
req(POST => "${base}-/package/$esc/access", token => $otok,
    body => { access => 'public' });
is json_of(req(GET => "${base}-/package/$esc/visibility"))->{public}, 1,
   'public: anyone sees its visibility';
is req(GET => "$base$esc/1.1.0")->code, 200, 'and reads every version';
is req(GET => $tgz)->code, 200, 'and its tarballs';
my $before = store_state($base, $pkg);
is req(POST => "${base}-/package/$esc/access", token => $xtok,
       body => { access => 'restricted' })->code, 403,
   'another user cannot restrict it';
is store_state($base, $pkg), $before, 'nothing changed';
is req(POST => "${base}-/package/$esc/access", token => $otok,
       body => { publish_requires_tfa => JSON::PP::true() })->code, 400,
   'two-factor settings are not this registry\'s';
is req(POST => "${base}-/package/$esc/access", token => $otok,
       body => { access => 'restricted' })->code, 200,
   'the maintainer restricts it again';
is req(GET => "$base$esc/1.0.0")->code, 404, 'every version is hidden again';
is req(GET => "${base}-/package/$esc/visibility")->code, 404,
   'even its visibility';

# ---- npm access list packages ----
my $pub2 = "\@$owner/open";
is publish($base, $otok, name => $pub2, version => '1.0.0')->code, 201,
   'a public package beside the restricted one';
is_deeply json_of(req(GET => "${base}-/user/$owner/package", token => $otok)),
    { $pkg => 'write', $pub2 => 'write' },
    'the owner\'s packages, both read-write for the owner';
is_deeply json_of(req(GET => "${base}-/user/$owner/package", token => $xtok)),
    { $pub2 => 'read' }, 'another user sees only the public one, read-only';
is req(GET => "${base}-/org/$owner/package")->code, 404,
   'a user is no organisation (npm then asks /-/user/)';
SKIP: {
    skip 'npm is not installed', 2
        unless system('npm --version >/dev/null 2>&1') == 0;
    my $env = npm_token_env('restricted-list', $base, $otok);
    my ($rc, $out) = run_npm($env, t_var(), 'access', 'list', 'packages',
                             "--registry=$base");
    is $rc, 0, 'npm access list packages' or diag $out;
    like $out, qr/\Q$pkg\E: read-write/, 'lists the restricted package too';
}

# /-/by-user/<a|b>: what each created, as the asker may see it.
is_deeply json_of(req(GET => "${base}-/by-user/$owner|$other",
                      token => $xtok)),
    { $owner => [$pub2], $other => [] },
    '/-/by-user/ lists no restricted package to another user';
is_deeply [sort @{ json_of(req(GET => "${base}-/by-user/$owner",
                               token => $otok))->{$owner} }],
    [sort $pkg, $pub2], 'and both to their maintainer';
is req(GET => "${base}-/by-user/$owner")->code, 401, 'anonymous: 401';
