# npm deprecate and undeprecate with the real npm: npm reads the whole
# document and sends it back (PUT /<name> without a tarball); the
# registry takes the deprecation messages and nothing else, from
# maintainers only, at the revision they read.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use File::Path qw(mkpath);
use TsciTest qw(base_url req json_of adduser publish unique t_var
                npm_token_env run_npm store_state);

Apache::Test::plan(tests => 20, have_lwp);

my $base = base_url('/npm/');
my $owner = unique('dep');
my $otok = adduser($base, $owner, 'dep-pass-1');
my $xtok = adduser($base, unique('notdep'), 'other-pass-1');
my $pkg = "\@$owner/old";
(my $esc = $pkg) =~ s{/}{%2f};
for my $v ('1.0.0', '1.1.0', '2.0.0') {
    is publish($base, $otok, name => $pkg, version => $v)->code, 201,
       "published $v";
}
my $ABBREV = 'application/vnd.npm.install-v1+json';

SKIP: {
    skip 'npm is not installed', 6
        unless system('npm --version >/dev/null 2>&1') == 0;
    my $env = npm_token_env('deprecate', $base, $otok);
    my ($rc, $out) = run_npm($env, t_var(), 'deprecate', "$pkg\@<2.0.0",
                             'use 2.x', "--registry=$base");
    is $rc, 0, 'npm deprecate <pkg>@<2.0.0' or diag $out;
    ($rc, $out) = run_npm($env, t_var(), 'view', "$pkg\@1.0.0", 'deprecated',
                          "--registry=$base", '--prefer-online');
    like $out, qr/use 2\.x/, 'npm view shows the message';
    my $app = t_var() . '/npm-deprecate-app';
    mkpath($app);
    ($rc, $out) = run_npm(npm_token_env('deprecate-install', $base, $otok),
                          $app, 'install', "$pkg\@1.1.0", "--registry=$base");
    is $rc, 0, 'npm install of a deprecated version works' or diag $out;
    like $out, qr/deprecated.*use 2\.x/i, 'and warns with the message';
    ($rc, $out) = run_npm($env, t_var(), 'undeprecate', "$pkg\@1.0.0",
                          "--registry=$base");
    is $rc, 0, 'npm undeprecate <pkg>@1.0.0' or diag $out;
    ok !exists json_of(req(GET => "$base$esc/1.0.0"))->{deprecated},
       '1.0.0 is no longer deprecated';
}

# Over HTTP, whatever npm did: deprecate 1.1.0 again, from the document.
my $doc = json_of(req(GET => "$base$esc?write=true"));
ok $doc->{_rev}, 'the full document carries _rev';
$doc->{versions}{'1.1.0'}{deprecated} = 'gone';
$doc->{versions}{'1.1.0'}{dependencies} = { 'evil-pkg' => '*' };
$doc->{versions}{'2.0.0'}{scripts} = { postinstall => 'curl evil' };
$doc->{description} = 'rewritten';
$doc->{_attachments} = {};
my $res = req(PUT => "$base$esc", token => $otok, body => $doc);
is $res->code, 200, 'PUT of the document: 200';
my $v = json_of(req(GET => "$base$esc/1.1.0"));
is $v->{deprecated}, 'gone', 'the message is taken';
ok !exists $v->{dependencies}{'evil-pkg'}, 'nothing else from the body';
ok !exists json_of(req(GET => "$base$esc/2.0.0"))->{scripts}{postinstall},
   'no scripts either';
isnt json_of(req(GET => "$base$esc"))->{description}, 'rewritten',
   'nor package-level fields';
my $abbrev = json_of(req(GET => "$base$esc", headers => { Accept => $ABBREV }));
is $abbrev->{versions}{'1.1.0'}{deprecated}, 'gone',
   'the abbreviated packument has it (npm install reads it there)';

my $before = store_state($base, $pkg);
$res = req(PUT => "$base$esc", token => $otok, body => $doc);
is $res->code, 409, 'the same document again: its _rev is old, 409';
$doc = json_of(req(GET => "$base$esc?write=true"));
$doc->{versions}{'2.0.0'}{deprecated} = 'x';
is req(PUT => "$base$esc", token => $xtok, body => $doc)->code, 403,
   'another user: 403';
$doc->{versions}{'2.0.0'}{deprecated} = 'y' x 5000;
is req(PUT => "$base$esc", token => $otok, body => $doc)->code, 400,
   'a message over 4096 bytes: 400';
is store_state($base, $pkg), $before, 'none of them changed anything';
