# The SQL store (TsciRegistryStore dbd) end to end, on a private
# PostgreSQL through mod_dbd: two Apaches on their own ports share the
# database and one data directory for tarballs, as two nodes behind a
# balancer would.  The real npm client signs up and publishes on one node,
# views and installs from the other; a token made on one works on the
# other, and a logout on one is refused on the other at once; a republish
# is refused whichever node it reaches.  A web login started on one node
# is signed in on the other and collected on the first; the search
# endpoint of one node finds what was published on the other.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use File::Path qw(mkpath rmtree);
use TsciTest qw(main_store_independent npm_env run_npm npm_adduser unique t_var write_file req
                json_of own_apache spare_port web_start web_form publish_body);
use Time::HiRes qw(time);
use TsciPG;

my $pg = TsciPG::needed();
my $have_npm = system('npm --version >/dev/null 2>&1') == 0;
Apache::Test::plan(tests => 41, Apache::Test::need(have_lwp,
    main_store_independent("two nodes on a cluster of its own"), $pg,
    $have_npm || Apache::Test::skip_reason('npm is not installed')));

my ($a, $b, $conn) = TsciPG::two_nodes(
    tag => 'dbd', ports => [0, 1], conf => <<'EOC');
# Each process keeps views (less than the SQL store's default), and
# looks at the changes feed for other nodes' writes every 100 ms (its
# default).
TsciRegistryViewCache 4194304
EOC

ok $a->{up} && $b->{up}, 'both nodes answer GET /'
    or diag "$a->{start_out}\n$b->{start_out}\n"
            . `tail -20 \Q$a->{errlog}\E \Q$b->{errlog}\E`;
is TsciPG::psql($conn, 'SELECT max(version) FROM tsr_schema_version'), '8',
   'the first request made the schema, version 8';

my $ra = $a->{base};
my $rb = $b->{base};
my $work = t_var() . '/dbd-work';
rmtree($work);
mkpath($work);
my $env = npm_env('dbd-a');
my $user = unique('pguser');
my $lib = unique('pg-hello');

# Sign up on node A, as a person does.
my ($ok, $transcript) = npm_adduser($env, $ra, $user, 'pg-pass-123',
                                    "$user\@example.com");
ok $ok, 'npm adduser on node A' or diag $transcript;
is TsciPG::psql($conn, "SELECT count(*) FROM tsr_users WHERE name = '$user'"),
   '1', 'the user is a row of the database';
my ($rc, $out) = run_npm($env, $work, 'whoami', "--registry=$ra");
is $rc, 0, 'npm whoami on A' or diag $out;
like $out, qr/^\Q$user\E$/m, 'A names the user';

# Publish on A.
mkpath("$work/$lib");
write_file("$work/$lib/package.json", qq({"name": "$lib", "version": "1.0.0", )
    . qq("main": "index.js", "license": "MIT", "description": "kept in PostgreSQL"}\n));
write_file("$work/$lib/index.js", "module.exports = 'hello from $lib';\n");
($rc, $out) = run_npm($env, "$work/$lib", 'publish', "--registry=$ra");
is $rc, 0, 'npm publish on A' or diag $out . `tail -5 \Q$a->{errlog}\E`;
like $out, qr/\+ \Q$lib\E\@1\.0\.0/, 'npm reports 1.0.0 published';

# Node B sees it at once: its figures, npm view, the tarball.
my $meta = json_of(req(GET => $rb));
is $meta->{doc_count}, 1, 'B counts the package';
ok $meta->{update_seq} >= 1, 'B sees the change sequence move';
($rc, $out) = run_npm(npm_env('dbd-view'), $work, 'view', $lib,
                      "--registry=$rb");
is $rc, 0, 'npm view on B' or diag $out;
like $out, qr/latest: 1\.0\.0/, 'B: latest is 1.0.0';
like $out, qr/kept in PostgreSQL/, 'B: the description';
my $doc = json_of(req(GET => "$rb$lib"));
my $tarball = $doc && $doc->{versions}{'1.0.0'}{dist}{tarball};
like $tarball // '', qr{^\Q$rb\E}, "B's packument links B's tarball";
my $res = req(GET => $tarball // "${rb}none");
is $res->code, 200, 'B serves the tarball from the shared data directory';

# Install from B into a fresh project with an empty cache.
my $app = "$work/app";
mkpath($app);
write_file("$app/package.json", qq({"name": "app", "version": "1.0.0", "private": true}\n));
($rc, $out) = run_npm(npm_env('dbd-install'), $app, 'install', $lib,
                      "--registry=$rb");
is $rc, 0, 'npm install from B' or diag $out;
my $said = `cd \Q$app\E && node -e "console.log(require('$lib'))" 2>&1`;
is $said, "hello from $lib\n", 'require() runs the code published on A';

# A version is immutable whichever node is asked: the token npm got from
# A, given to npm for B too (as a balancer in front would make them one).
my $npmrc = do { open my $f, '<', $env->{userconfig} or die $!; local $/; <$f> };
my ($token) = $npmrc =~ /_authToken=(\S+)/;
ok $token, 'npm kept a token';
(my $bkey = $rb) =~ s{^https?:}{};
open my $rcf, '>>', $env->{userconfig} or die $!;
print $rcf "$bkey:_authToken=$token\n";
close $rcf;
write_file("$work/$lib/index.js", "module.exports = 'tampered';\n");
($rc, $out) = run_npm($env, "$work/$lib", 'publish', '--force',
                      "--registry=$rb");
isnt $rc, 0, 'a republish of 1.0.0 through B fails';
like $out, qr/409 Conflict/, "with the registry's 409";
is TsciPG::psql($conn, 'SELECT count(*) FROM tsr_changes'), '1',
   'the refused republish left no change row';

# The token made on A is good on B; a logout on A ends it on B at once.
is json_of(req(GET => "${rb}-/whoami", token => $token))->{username}, $user,
   'the token from A works on B';
($rc, $out) = run_npm($env, $work, 'logout', "--registry=$ra");
is $rc, 0, 'npm logout on A' or diag $out;
is req(GET => "${rb}-/whoami", token => $token)->code, 401,
   'B refuses the token at once';

# Search: what was published on A is found through B, by a word of its
# description and by the start of one.
my $hits = json_of(req(GET => "${rb}-/v1/search?text=postgresql"));
is_deeply [map { $_->{package}{name} } @{ $hits->{objects} || [] }], [$lib],
   'B finds the package A published, by a word of its description';
$hits = json_of(req(GET => "${rb}-/v1/search?text=kept+postgre"));
ok scalar(grep { $_->{package}{name} eq $lib } @{ $hits->{objects} || [] }),
   'and by the start of a word (a prefix: the posting lists\' range)';

# Web login across nodes: started on A, signed in on B's page, collected
# on A; the sign-in is then gone on both.
my $wuser = unique('pgweb');
my ($wok, $wout) = npm_adduser(npm_env('dbd-web'), $rb, $wuser, 'pg-web-pass-1',
                               "$wuser\@example.com");
ok $wok, 'a second user, made on B' or diag $wout;
my ($wres, $login, $done) = web_start($ra);
is $wres->code, 200, 'POST /-/v1/login on A: 200' or diag $wres->content;
(my $login_b = $login // '') =~ s{^\Q$ra\E}{$rb};
(my $done_b = $done // '') =~ s{^\Q$ra\E}{$rb};
is req(GET => $done_b)->code, 202, 'B knows the sign-in A started: waiting';
$wres = web_form($login_b, { user => $wuser, password => 'pg-web-pass-1' });
is $wres->code, 200, "signed in on B's page" or diag $wres->content;
$wres = req(GET => $done);
is $wres->code, 200, 'A hands out the token';
my $wtoken = (json_of($wres) || {})->{token} // '';
is json_of(req(GET => "${rb}-/whoami", token => $wtoken))->{username}, $wuser,
   "which is the user's on B too";
is req(GET => $done_b)->code, 404, 'collected once: gone on B as well';
is TsciPG::psql($conn, 'SELECT count(*) FROM tsr_logins'), '0',
   'no sign-in row is left';

# A node serves the views it keeps until its next look at the changes
# feed (TsciRegistryViewLag, 100 ms by default): another node's write
# shows there within that, and the node's own writes show at once.
my $lagged = unique('lagged');
my $put = sub {
    my ($base, $version) = @_;
    req(PUT => "$base$lagged", token => $wtoken,
        body => publish_body(name => $lagged, version => $version))->code;
};
is $put->($ra, '1.0.0'), 201, 'a package published on A';
ok json_of(req(GET => "$rb$lagged"))->{versions}{'1.0.0'},
   'B reads it (and keeps it)';
is $put->($ra, '1.0.1'), 201, 'a second version published on A';
my $t0 = time;
my $seen;
while (time - $t0 < 5) {
    $seen = json_of(req(GET => "$rb$lagged")) || {};
    last if $seen->{versions}{'1.0.1'};
    select undef, undef, undef, 0.01;
}
ok $seen->{versions}{'1.0.1'} && time - $t0 < 2,
   sprintf 'B shows it within the lag (%.0f ms)', 1000 * (time - $t0);
is $put->($rb, '1.0.2'), 201, 'a third version published on B';
is json_of(req(GET => "$rb$lagged"))->{'dist-tags'}{latest}, '1.0.2',
   'B shows its own write at once';

my $log = `cat \Q$a->{errlog}\E \Q$b->{errlog}\E`;
unlike $log, qr/exit signal|Segmentation/, 'no child died on either node';
