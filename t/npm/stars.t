# npm star, unstar and stars with the real npm, and npm profile get.
# A star is PUT /<name> with the document's "users": only the sender's own
# entry is taken, any reader may star, and the user's list of stars is an
# index kept with the document (GET /-/_view/starredByUser), which never
# shows a package its asker may not read.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use TsciTest qw(base_url req json_of adduser publish publish_body unique
                t_var npm_token_env run_npm store_state);

Apache::Test::plan(tests => 28, have_lwp);

my $base = base_url('/npm/');
my $fan = unique('fan');
my $ftok = adduser($base, $fan, 'fan-pass-1');
my $owner = unique('starred');
my $otok = adduser($base, $owner, 'own-pass-1');
my $pkg = unique('shiny');
my $scoped = "\@$owner/bright";
(my $sesc = $scoped) =~ s{/}{%2f};
my $secret = "\@$owner/hidden";
(my $hesc = $secret) =~ s{/}{%2f};
is publish($base, $otok, name => $pkg, version => '1.0.0')->code, 201,
   "published $pkg";
is publish($base, $otok, name => $scoped, version => '1.0.0')->code, 201,
   "published $scoped";
my $b = publish_body(name => $secret, version => '1.0.0');
$b->{access} = 'restricted';
is req(PUT => "$base$hesc", token => $otok, body => $b)->code, 201,
   "published $secret, restricted";
my $stars = sub {
    my ($user, $tok) = @_;
    my $d = json_of(req(GET => "${base}-/_view/starredByUser?key=%22$user%22",
                        token => $tok));
    return [ sort map { $_->{value} } @{ $d->{rows} || [] } ];
};

SKIP: {
    skip 'npm is not installed', 9
        unless system('npm --version >/dev/null 2>&1') == 0;
    my $env = npm_token_env('stars', $base, $ftok);
    my ($rc, $out) = run_npm($env, t_var(), 'star', $pkg, "--registry=$base");
    is $rc, 0, 'npm star <pkg>' or diag $out;
    like $out, qr/\Q$pkg\E/, 'npm names it';
    ($rc, $out) = run_npm($env, t_var(), 'star', $scoped, "--registry=$base");
    is $rc, 0, 'npm star <scoped pkg>' or diag $out;
    ok json_of(req(GET => "$base$pkg"))->{users}{$fan},
       'the packument lists the star under users';
    ($rc, $out) = run_npm($env, t_var(), 'stars', "--registry=$base");
    is $rc, 0, 'npm stars' or diag $out;
    like $out, qr/\Q$pkg\E/, 'lists the package';
    like $out, qr/\Q$scoped\E/, 'and the scoped one';
    ($rc, $out) = run_npm($env, t_var(), 'unstar', $pkg, "--registry=$base");
    is $rc, 0, 'npm unstar <pkg>' or diag $out;
    ($rc, $out) = run_npm($env, t_var(), 'profile', 'get', '--json',
                          "--registry=$base");
    like $out, qr/"name":\s*"\Q$fan\E"/, 'npm profile get names the user'
        or diag $out;
}
ok !exists json_of(req(GET => "$base$pkg"))->{users}{$fan},
   'after unstar the packument no longer lists it';
is_deeply $stars->($fan), [$scoped], 'nor does the list of stars';

# Over HTTP: only the sender's own entry counts.
my $doc = json_of(req(GET => "$base$pkg?write=true"));
my $res = req(PUT => "$base$pkg", token => $ftok,
              body => { _id => $pkg, _rev => $doc->{_rev},
                        users => { $fan => JSON::PP::true(),
                                   $owner => JSON::PP::true(),
                                   'someone-else' => JSON::PP::true() } });
is $res->code, 200, 'a star that names others too: 200';
my $users = json_of(req(GET => "$base$pkg"))->{users};
is_deeply [sort keys %$users], [$fan], 'only the sender\'s star is taken';
is req(PUT => "$base$pkg", body => { _id => $pkg, _rev => $doc->{_rev},
                                     users => { $fan => JSON::PP::true() } })
       ->code, 401, 'an anonymous star: 401';

# A restricted package: its maintainer may star it; nobody else sees that.
$res = req(PUT => "$base$hesc", token => $ftok,
           body => { _id => $secret, users => { $fan => JSON::PP::true() } });
is $res->code, 404, 'starring a restricted package one may not read: 404';
$res = req(PUT => "$base$hesc", token => $otok,
           body => { _id => $secret, _rev => '1-0000',
                     users => { $owner => JSON::PP::true() } });
is $res->code, 409, 'a star at a stale revision: 409';
$res = req(PUT => "$base$hesc", token => $otok,
           body => { _id => $secret, users => { $owner => JSON::PP::true() } });
is $res->code, 200, 'its maintainer stars it';
is_deeply $stars->($owner, $otok), [$secret], 'and sees it among their stars';
is_deeply $stars->($owner), [], 'an anonymous asker does not';
is_deeply $stars->($owner, $ftok), [], 'nor does another user';
is req(GET => "${base}-/_view/starredByUser?key=alice")->code, 400,
   'a key that is not a JSON string: 400';
is req(GET => "${base}-/_view/starredByUser")->code, 400, 'no key: 400';

# npm profile get over HTTP.
my $p = json_of(req(GET => "${base}-/npm/v1/user", token => $ftok));
is $p->{name}, $fan, 'GET /-/npm/v1/user: the name';
is $p->{email}, "$fan\@example.com", 'the email the user signed up with';
is req(GET => "${base}-/npm/v1/user")->code, 401, 'anonymously: 401';
