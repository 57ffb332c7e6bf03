# Scopes belong to someone: @<user>/ to that user, other scopes to the
# organisation of that name, which only a registry administrator creates
# (TsciRegistryAdmin user), @tsci/<owner>.<name> to <owner>.  npm org
# set/ls/rm with the real npm; nobody creates a package in a scope that is
# not theirs; maintainers keep publishing their packages.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use File::Path qw(mkpath);
use TsciTest qw(base_url req json_of adduser publish unique t_var npm_env
                run_npm store_state
                npm_token_env);

Apache::Test::plan(tests => 43, have_lwp);

my $base = base_url('/npm/');
my $admin = adduser($base, 'regadmin', 'regadmin-pass-1');
my ($alice, $bob, $carl) = map { unique($_) } qw(alice bob carl);
my %tok = map { $_ => adduser($base, $_, "$_-pass") } $alice, $bob, $carl;
my $org = unique('corp');

sub pub {
    my ($who, $name, $v) = @_;
    return publish($base, $who eq 'regadmin' ? $admin : $tok{$who},
                   name => $name, version => $v // '1.0.0');
}

# ---- a user's own scope ----
my $res = pub($bob, "\@$alice/x");
is $res->code, 403, 'bob cannot create a package in alice\'s scope';
like json_of($res)->{error}, qr/\@\Q$alice\E is not yours.*npm org set/,
     'and is told whose it is and what to do';
is pub($alice, "\@$alice/x")->code, 201, 'alice can';
is pub($bob, "\@$org/lib")->code, 403,
   'a scope nobody owns is nobody\'s to take';

# ---- organisations, with the real npm ----
my $work = t_var() . '/npm-scopes-work';
mkpath($work);
my %env = map { $_ => npm_token_env("scopes-$_", $base,
                                     $_ eq 'regadmin' ? $admin : $tok{$_}) }
    'regadmin', $alice, $bob, $carl;
sub npm_as {
    my ($u, @args) = @_;
    return run_npm($env{$u}, $work, @args, "--registry=$base");
}

SKIP: {
    skip 'npm is not installed', 10
        unless system('npm --version >/dev/null 2>&1') == 0;
    my ($rc, $out) = npm_as($alice, 'org', 'set', $org, $alice, 'owner');
    isnt $rc, 0, 'alice cannot create an organisation';
    like $out, qr/403.*only a registry administrator creates one/s,
         'npm shows why' or diag $out;
    ($rc, $out) = npm_as('regadmin', 'org', 'set', $org, $alice, 'owner');
    is $rc, 0, 'the administrator creates it with npm org set' or diag $out;
    like $out, qr/Added \Q$alice\E as owner to \Q$org\E\. You now have 1 member in this org/,
         'npm reports the member and the count';
    ($rc, $out) = npm_as($alice, 'org', 'set', $org, $bob);
    is $rc, 0, 'its owner adds bob (developer by default)' or diag $out;
    like $out, qr/You now have 2 members/, 'two members';
    ($rc, $out) = npm_as($bob, 'org', 'ls', $org);
    is $rc, 0, 'a member lists them' or diag $out;
    like $out, qr/\Q$alice\E - owner/, 'alice is owner';
    like $out, qr/\Q$bob\E - developer/, 'bob a developer';
    ($rc, $out) = npm_as($carl, 'org', 'ls', $org);
    isnt $rc, 0, 'an outsider does not see them';
}
# The same over HTTP, whatever npm did above.
req(PUT => "${base}-/org/$org/user", token => $admin,
    body => { user => $alice, role => 'owner' });
req(PUT => "${base}-/org/$org/user", token => $tok{$alice},
    body => { user => $bob, role => 'developer' });
is_deeply json_of(req(GET => "${base}-/org/$org/user", token => $tok{$bob})),
    { $alice => 'owner', $bob => 'developer' }, 'the member list';
is req(PUT => "${base}-/org/$org/user", token => $tok{$bob},
       body => { user => $carl, role => 'developer' })->code, 403,
   'a developer adds nobody';
is req(PUT => "${base}-/org/$org/user", token => $tok{$alice},
       body => { user => $carl, role => 'chief' })->code, 400, 'no such role';
is req(GET => "${base}-/org/no-such-org-here/user", token => $admin)->code,
   404, 'no such organisation: 404';
is req(GET => "${base}-/org/$org/user")->code, 401, 'anonymous: 401';

# ---- members create packages in the organisation's scope ----
is pub($bob, "\@$org/lib")->code, 201, 'bob, a member, creates @org/lib';
my $before = store_state($base, "\@$org/other");
$res = pub($carl, "\@$org/other");
is $res->code, 403, 'carl, not a member, cannot';
is store_state($base, "\@$org/other"), $before, 'and nothing changed';

# Removed from it: no new packages there; the ones he maintains stay his.
SKIP: {
    skip 'npm is not installed', 2
        unless system('npm --version >/dev/null 2>&1') == 0;
    my ($rc, $out) = npm_as($alice, 'org', 'rm', $org, $bob);
    is $rc, 0, 'npm org rm' or diag $out;
    like $out, qr/Successfully removed \Q$bob\E from \Q$org\E/, 'npm says so';
}
req(DELETE => "${base}-/org/$org/user", token => $tok{$alice},
    body => { user => $bob });
ok !exists json_of(req(GET => "${base}-/org/$org/user",
                       token => $tok{$alice}))->{$bob}, 'bob is out';
is pub($bob, "\@$org/lib2")->code, 403, 'bob creates nothing there now';
is pub($bob, "\@$org/lib", '1.1.0')->code, 201,
   'but still maintains @org/lib';
is req(DELETE => "${base}-/org/$org/user", token => $tok{$alice},
       body => { user => $alice })->code, 409,
   'the last owner cannot leave';
is req(DELETE => "${base}-/org/$org/user", token => $tok{$carl},
       body => { user => $alice })->code, 403, 'nor be removed by others';

# ---- @tsci/<owner>.<name> ----
is pub($alice, "\@tsci/$alice.board")->code, 201,
   "alice publishes \@tsci/$alice.board";
$res = pub($bob, "\@tsci/$alice.other");
is $res->code, 403, 'bob cannot take a name of alice\'s';
like json_of($res)->{error}, qr/\@tsci\/\Q$alice\E\.\* belongs to \Q$alice\E/,
     'saying whose it is';
is pub($bob, "\@tsci/$bob.board")->code, 201, 'his own, yes';
req(PUT => "${base}-/org/$org/user", token => $tok{$alice},
    body => { user => $carl, role => 'developer' });
is pub($carl, "\@tsci/$org.board")->code, 201,
   'a member of the organisation publishes @tsci/<org>.<name>';
$res = pub($bob, '@tsci/nodot');
is $res->code, 403, 'a @tsci name without an owner: refused';
like json_of($res)->{error}, qr/named \@tsci\/<owner>\.<name>/, 'saying how';

# ---- the registry's administrator ----
is pub('regadmin', "\@$org/admin-made")->code, 201,
   'the administrator creates in any scope';
is pub('regadmin', "\@$alice/x", '1.0.1')->code, 201,
   'and publishes to packages others maintain';
is pub($bob, "\@$alice/x", '1.0.2')->code, 403,
   'a non-maintainer still cannot';

# ---- unscoped names: first come ----
my $plain = unique('plain');
is pub($bob, $plain)->code, 201, 'an unscoped name is created by anyone';
is pub($carl, $plain, '1.0.1')->code, 403, 'and then maintained by them';

# npm access list packages <org>: the packages of its scope.
my $listed = json_of(req(GET => "${base}-/org/$org/package",
                         token => $tok{$alice}));
is_deeply [sort keys %$listed],
    [sort "\@$org/lib", "\@$org/admin-made"],
    'the organisation\'s packages';
is $listed->{"\@$org/lib"}, 'read', 'read-only for a member who maintains none';
