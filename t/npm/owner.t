# npm owner ls, add and rm with the real npm: maintainers come from the
# document npm sends back, at the revision it read; a new maintainer
# publishes, and reads a restricted package; the last one stays.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use TsciTest qw(base_url req json_of adduser publish publish_body unique
                t_var npm_token_env run_npm store_state);

Apache::Test::plan(tests => 19, have_lwp);

my $base = base_url('/npm/');
my $owner = unique('own');
my $otok = adduser($base, $owner, 'own-pass-1');
my $friend = unique('friend');
my $ftok = adduser($base, $friend, 'friend-pass-1');
my $pkg = "\@$owner/shared";
(my $esc = $pkg) =~ s{/}{%2f};
my $body = publish_body(name => $pkg, version => '1.0.0');
$body->{access} = 'restricted';
is req(PUT => "$base$esc", token => $otok, body => $body)->code, 201,
   'a restricted package';
is req(GET => "$base$esc", token => $ftok)->code, 404,
   'the friend cannot see it yet';
is json_of(req(GET => "${base}-/user/org.couchdb.user:$friend"))->{name},
   $friend, 'the user document npm owner reads';
is json_of(req(GET => "${base}-/user/org.couchdb.user:nobody-here"))->{name},
   'nobody-here', 'the same answer for any name: it tells nobody who exists';

SKIP: {
    skip 'npm is not installed', 6
        unless system('npm --version >/dev/null 2>&1') == 0;
    my $env = npm_token_env('owner', $base, $otok);
    my ($rc, $out) = run_npm($env, t_var(), 'owner', 'add', $friend, $pkg,
                             "--registry=$base");
    is $rc, 0, 'npm owner add' or diag $out;
    like $out, qr/\+ \Q$friend\E \(\Q$pkg\E\)/, 'npm says so';
    ($rc, $out) = run_npm($env, t_var(), 'owner', 'ls', $pkg,
                          "--registry=$base");
    like $out, qr/^\Q$friend\E/m, 'npm owner ls lists the friend';
    like $out, qr/^\Q$owner\E <\Q$owner\E\@example\.com>/m,
         'and the owner with the email the registry knows';
    ($rc, $out) = run_npm($env, t_var(), 'owner', 'rm', $friend, $pkg,
                          "--registry=$base");
    is $rc, 0, 'npm owner rm' or diag $out;
    like $out, qr/- \Q$friend\E \(\Q$pkg\E\)/, 'npm says so';
}

# Over HTTP: the friend becomes a maintainer, whatever npm did.
my $doc = json_of(req(GET => "$base$esc", token => $otok));
my $res = req(PUT => "$base$esc/-rev/$doc->{_rev}", token => $otok,
              body => { _id => $pkg, _rev => $doc->{_rev},
                        maintainers => [{ name => $owner },
                                        { name => $friend,
                                          email => 'spoof@evil.test' }] });
is $res->code, 200, 'PUT the maintainers at the revision read';
is req(GET => "$base$esc", token => $ftok)->code, 200,
   'the new maintainer reads the restricted package';
ok !grep({ ($_->{email} // '') eq 'spoof@evil.test' }
         @{ json_of(req(GET => "$base$esc", token => $ftok))->{maintainers} }),
   'an email in the body is not believed';
is publish($base, $ftok, name => $pkg, version => '1.1.0')->code, 201,
   'and publishes';

my $before = store_state($base, $pkg);
is req(PUT => "$base$esc/-rev/$doc->{_rev}", token => $otok,
       body => { maintainers => [{ name => $owner }] })->code, 409,
   'an old revision: 409';
$doc = json_of(req(GET => "$base$esc", token => $otok));
is req(PUT => "$base$esc/-rev/$doc->{_rev}", token => $otok,
       body => { maintainers => [] })->code, 400, 'no maintainers: 400';
my $stranger = adduser($base, unique('stranger'), 'str-pass-1');
is req(PUT => "$base$esc/-rev/$doc->{_rev}", token => $stranger,
       body => { maintainers => [{ name => 'x' }] })->code, 404,
   'someone who cannot read it: 404';
is req(PUT => "$base$esc/-rev/$doc->{_rev}", token => $otok,
       body => { versions => { '9.9.9' => {} } })->code, 400,
   'a document through -rev that adds a version: 400 (unpublish.t has the '
   . 'rest)';
is store_state($base, $pkg, $otok), $before, 'none of that changed anything';
