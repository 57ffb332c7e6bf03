# npm dist-tag ls, add and rm (/-/package/<name>/dist-tags[/<tag>]) with
# the real npm: tags move in the packument, the tag URL and installs at
# once; only maintainers move them; latest moves but stays.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use TsciTest qw(base_url req json_of adduser publish unique t_var
                npm_token_env run_npm store_state);

Apache::Test::plan(tests => 21, have_lwp);

my $base = base_url('/npm/');
my $owner = unique('tagger');
my $otok = adduser($base, $owner, 'tagger-pass-1');
my $other = unique('nottagger');
my $xtok = adduser($base, $other, 'other-pass-1');
my $pkg = "\@$owner/tagged";
(my $esc = $pkg) =~ s{/}{%2f};
for my $v ('1.0.0', '1.1.0') {
    is publish($base, $otok, name => $pkg, version => $v)->code, 201,
       "published $v";
}
my $tags = "${base}-/package/$esc/dist-tags";

SKIP: {
    skip 'npm is not installed', 8
        unless system('npm --version >/dev/null 2>&1') == 0;
    my $env = npm_token_env('disttag', $base, $otok);
    my ($rc, $out) = run_npm($env, t_var(), 'dist-tag', 'add', "$pkg\@1.0.0",
                             'beta', "--registry=$base");
    is $rc, 0, 'npm dist-tag add' or diag $out;
    like $out, qr/\+beta: \Q$pkg\E\@1\.0\.0/, 'npm says so';
    ($rc, $out) = run_npm($env, t_var(), 'dist-tag', 'ls', $pkg,
                          "--registry=$base");
    is $rc, 0, 'npm dist-tag ls' or diag $out;
    like $out, qr/^beta: 1\.0\.0$/m, 'beta: 1.0.0';
    like $out, qr/^latest: 1\.1\.0$/m, 'latest: 1.1.0';
    ($rc, $out) = run_npm($env, t_var(), 'view', "$pkg\@beta", 'version',
                          "--registry=$base", '--prefer-online');
    like $out, qr/^1\.0\.0$/m, 'npm view <pkg>@beta';
    my $xenv = npm_token_env('disttag-other', $base, $xtok);
    ($rc, $out) = run_npm($xenv, t_var(), 'dist-tag', 'add',
                          "$pkg\@1.1.0", 'beta', "--registry=$base");
    isnt $rc, 0, 'another user cannot move it';
    like $out, qr/403/, 'npm shows 403' or diag $out;
}
# The same over HTTP, whatever npm did.
is req(PUT => "$tags/beta", token => $otok, body => '"1.0.0"')->code, 201,
   'PUT a tag: 201';
is_deeply json_of(req(GET => $tags)), { latest => '1.1.0', beta => '1.0.0' },
   'GET the tags';
is json_of(req(GET => "$base$esc/beta"))->{version}, '1.0.0',
   'GET /<name>/<tag> follows it at once';
is json_of(req(GET => "$base$esc"))->{'dist-tags'}{beta}, '1.0.0',
   'and the packument';
my $before = store_state($base, $pkg);
is req(PUT => "$tags/beta", token => $otok, body => '"9.9.9"')->code, 404,
   'a version it does not have: 404';
is req(PUT => "$tags/1.2", token => $otok, body => '"1.0.0"')->code, 400,
   'a tag that reads as a version: 400';
is req(PUT => "$tags/beta", token => $xtok, body => '"1.1.0"')->code, 403,
   'a non-maintainer: 403';
is req(DELETE => "$tags/latest", token => $otok)->code, 400,
   'latest cannot be removed';
is store_state($base, $pkg), $before, 'none of that changed anything';
is req(DELETE => "$tags/beta", token => $otok)->code, 200, 'DELETE a tag';
is req(GET => "$base$esc/beta")->code, 404, 'the tag is gone';
