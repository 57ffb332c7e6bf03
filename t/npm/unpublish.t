# npm unpublish with the real npm: one version (the document sent back
# without it, then a DELETE of its tarball) and a whole package (DELETE
# /<name>/-rev/<rev>).  Version numbers stay burnt, latest moves to the
# highest version left, the tarball file is gone at once, an unpublished
# name stays its maintainers', and a write on something that exists is
# never answered 404 (npm reads that as "already gone").
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use File::Path qw(mkpath);
use TsciTest qw(base_url req json_of adduser publish unique t_var data_dir
                npm_token_env run_npm store_state);

Apache::Test::plan(tests => 47, have_lwp);

my $base = base_url('/npm/');
my $owner = unique('unp');
my $otok = adduser($base, $owner, 'unp-pass-1');
my $other = unique('notunp');
my $xtok = adduser($base, $other, 'other-pass-1');
my $pkg = "\@$owner/gone";
(my $esc = $pkg) =~ s{/}{%2f};
my $plain = unique('gone-plain');

for my $v (['1.0.0'], ['1.1.0'], ['2.0.0-beta.1', 'next']) {
    is publish($base, $otok, name => $pkg, version => $v->[0],
               tag => $v->[1])->code, 201, "published $v->[0]";
}
is publish($base, $otok, name => $plain, version => $_)->code, 201,
   "published $plain $_" for '0.1.0', '0.2.0';

my $file = sub { my ($name, $v) = @_; (my $b = $name) =~ s{^\@[^/]+/}{};
                 return data_dir() . "/tarballs/$name/-/$b-$v.tgz" };
ok -f $file->($pkg, '1.1.0'), 'the tarball of 1.1.0 is on disk';
my $tarball_url = json_of(req(GET => "$base$esc/1.1.0"))->{dist}{tarball};
is req(GET => $tarball_url)->code, 200, 'and served';

SKIP: {
    skip 'npm is not installed', 13
        unless system('npm --version >/dev/null 2>&1') == 0;
    my $env = npm_token_env('unpublish', $base, $otok);
    my $xenv = npm_token_env('unpublish-other', $base, $xtok);
    my $before = store_state($base, $pkg);
    my ($rc, $out) = run_npm($xenv, t_var(), 'unpublish', "$pkg\@1.1.0",
                             "--registry=$base");
    isnt $rc, 0, 'another user cannot npm unpublish' or diag $out;
    like $out, qr/403|not a maintainer/, 'npm says why';
    is store_state($base, $pkg), $before, 'and the store is as it was';

    ($rc, $out) = run_npm($env, t_var(), 'unpublish', "$pkg\@1.1.0",
                          "--registry=$base");
    is $rc, 0, 'npm unpublish <pkg>@1.1.0' or diag $out;
    like $out, qr/- \Q$pkg\E\@1\.1\.0/, 'npm reports it';
    my $doc = json_of(req(GET => "$base$esc"));
    ok !exists $doc->{versions}{'1.1.0'}, '1.1.0 left the document';
    is $doc->{'dist-tags'}{latest}, '1.0.0',
       'latest moved to the highest release left (not the prerelease)';
    is $doc->{'dist-tags'}{next}, '2.0.0-beta.1', 'other tags stay';
    ok $doc->{time}{'1.1.0'}, 'time still lists 1.1.0: the number is burnt';
    ok !-e $file->($pkg, '1.1.0'), 'its tarball file is gone';

    my $app = t_var() . '/npm-unpublish-app';
    mkpath($app);
    ($rc, $out) = run_npm($env, $app, 'install', $pkg, "--registry=$base",
                          '--prefer-online');
    is $rc, 0, 'npm install <pkg> works after' or diag $out;
    my $pj = "$app/node_modules/$pkg/package.json";
    like(do { local (@ARGV, $/) = $pj; <> } // '', qr/"version":\s*"1\.0\.0"/,
         'and installs the new latest, 1.0.0');

    ($rc, $out) = run_npm($env, t_var(), 'unpublish', $plain, '--force',
                          "--registry=$base");
    is $rc, 0, 'npm unpublish <pkg> --force' or diag $out;
}

is req(GET => "$base$esc/1.1.0")->code, 404, 'GET of 1.1.0: 404';
is req(GET => $tarball_url)->code, 404, 'its tarball URL: 404';
is publish($base, $otok, name => $pkg, version => '1.1.0')->code, 409,
   'publishing 1.1.0 again: 409, the number stays burnt';

# The whole package: gone, its tarballs too, its name still its own.
is req(GET => "$base$plain")->code, 404, 'the unpublished package: 404';
ok !-e $file->($plain, $_), "its tarball $_ is gone" for '0.1.0', '0.2.0';
is req(GET => "$base$plain/-/$plain-0.1.0.tgz")->code, 404,
   'a tarball URL of it: 404';
my $meta = json_of(req(GET => $base));
ok $meta->{doc_del_count} >= 1, 'GET / counts it as deleted';
is publish($base, $xtok, name => $plain, version => '9.0.0')->code, 403,
   'another user cannot take the name';
is publish($base, $otok, name => $plain, version => '0.1.0')->code, 409,
   'its owner cannot reuse a version number';
is publish($base, $otok, name => $plain, version => '0.3.0')->code, 201,
   'but publishes a new version';
my $again = json_of(req(GET => "$base$plain"));
is_deeply [sort keys %{ $again->{versions} }], ['0.3.0'],
   'the package is back with that version alone';
ok !exists $again->{time}{unpublished}, 'and no longer marked unpublished';

# Over HTTP: revisions, and what is refused.
my $doc = json_of(req(GET => "$base$esc?write=true"));
my $rev = $doc->{_rev};
my %body = (%$doc);
delete $body{versions}{'1.0.0'};
my $before = store_state($base, $pkg);
is req(PUT => "$base$esc/-rev/1-0000", token => $otok, body => \%body)->code,
   409, 'unpublish at a stale revision: 409';
is req(DELETE => "$base$esc/-rev/1-0000", token => $otok)->code, 409,
   'deleting the package at a stale revision: 409, not 404';
is req(DELETE => "$base$esc/-rev/$rev", token => $xtok)->code, 403,
   'deleting it as another user: 403';
is req(DELETE => "$base$esc/-rev/$rev")->code, 401,
   'deleting it anonymously: 401';
my $b2 = json_of(req(GET => "$base$esc?write=true"));
$b2->{versions}{'9.9.9'} = $b2->{versions}{'1.0.0'};
is req(PUT => "$base$esc/-rev/$rev", token => $otok, body => $b2)->code, 400,
   'a document that adds a version: 400';
my $b3 = json_of(req(GET => "$base$esc?write=true"));
is req(PUT => "$base$esc/-rev/$rev", token => $otok, body => $b3)->code, 400,
   'one that removes none: 400';
(my $short = $pkg) =~ s{^\@[^/]+/}{};
is req(DELETE => "$base$pkg/-/$short-1.0.0.tgz/-rev/$rev", token => $otok)
       ->code, 400, 'deleting the tarball of a published version: 400';
is req(DELETE => "$base$pkg/-/$short-7.0.0.tgz/-rev/$rev", token => $otok)
       ->code, 404, 'a tarball that never was: 404';
is req(DELETE => "$base$pkg/-/$short-1.1.0.tgz/-rev/$rev", token => $otok)
       ->code, 200, 'the tarball of the unpublished 1.1.0: 200 (again)';
is store_state($base, $pkg), $before, 'none of that changed the store';

# The last version: the package goes with it.
my $last = unique('gone-last');
is publish($base, $otok, name => $last, version => '1.0.0')->code, 201,
   "published $last";
my $ld = json_of(req(GET => "$base$last?write=true"));
$ld->{versions} = {};
my $res = req(PUT => "$base$last/-rev/$ld->{_rev}", token => $otok,
              body => $ld);
is $res->code, 200, 'a document without its last version: 200';
is req(GET => "$base$last")->code, 404, 'the package is gone';
my $nrev = json_of($res)->{rev};
is req(DELETE => "$base$last/-/$last-1.0.0.tgz/-rev/$nrev", token => $otok)
       ->code, 200, 'npm\'s DELETE of its tarball after that: 200';
