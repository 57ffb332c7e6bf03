# Every endpoint that writes (publish, tokens, organisations, dist-tags,
# access, maintainers, deprecation, unpublish, stars), against every credential that must
# not write: none, a token nobody issued, a revoked token, a read-only token,
# another user's token, a token used from outside its address ranges.
# Each is refused with its status, and the store is left as it was.
# (npm's logout, DELETE /-/user/token/<token>, needs no other credential
# than the token it names: knowing a token is the right to revoke it.)
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use TsciTest qw(base_url req json_of adduser publish publish_body unique
                store_state data_dir);

my $base = base_url('/npm/');
my $owner = unique('wowner');
my $otok = adduser($base, $owner, 'owner-pass-1');
my $other = unique('wother');
my $xtok = adduser($base, $other, 'other-pass-1');
my $admin = adduser($base, 'regadmin', 'regadmin-pass-1');
my $pkg = "\@$owner/guarded";
(my $esc_pkg = $pkg) =~ s{/}{%2f};
# Set up first, assert once the plan is known.
my @setup;
push @setup, [publish($base, $otok, name => $pkg, version => '1.0.0')->code,
              201, 'the owner publishes'];
my $org = unique('worg');
push @setup, [req(PUT => "${base}-/org/$org/user", token => $admin,
                  body => { user => $owner, role => 'owner' })->code, 200,
              'an organisation of the owner\'s'];

sub token_for {
    my %body = @_;
    my $res = req(POST => "${base}-/npm/v1/tokens", token => $otok,
                  body => { password => 'owner-pass-1', %body });
    return json_of($res)->{token};
}
my $ro = token_for(readonly => JSON::PP::true());
my $far = token_for(cidr_whitelist => ['192.0.2.0/24']);
my $revoked = token_for();
push @setup, [req(DELETE => "${base}-/npm/v1/tokens/token/$revoked",
                  token => $otok)->code, 200, 'a token revoked'];
push @setup, [req(PUT => "${base}-/package/$esc_pkg/dist-tags/keep",
                  token => $otok, body => '"1.0.0"')->code, 201,
              'a tag to keep'];
my $rev = json_of(req(GET => "$base$esc_pkg"))->{_rev};
my $victim = token_for(name => 'to-keep');
my ($victim_key) = map { $_->{key} } grep { ($_->{name} // '') eq 'to-keep' }
    @{ json_of(req(GET => "${base}-/npm/v1/tokens", token => $otok))
           ->{objects} };

# [credential name, token or undef, expected status on an owner's
# resource]
my @who = (
    ['no credentials', undef, 401],
    ['a token nobody issued', 'tsr_' . ('A' x 43), 401],
    ['a revoked token', $revoked, 401],
    ['a read-only token', $ro, 403],
    ['another user\'s token', $xtok, 403],
    ['a token from outside its ranges', $far, 403],
);

# [what, method, path, body]: each writes to the owner's things.
my @writes = (
    ['publish a new version', PUT => (my $esc = $pkg) =~ s{/}{%2f}r,
     publish_body(name => $pkg, version => '1.0.1')],
    ['create a package in the owner\'s scope', PUT => "\@$owner%2fnew-one",
     publish_body(name => "\@$owner/new-one", version => '1.0.0')],
    ['make a token', POST => '-/npm/v1/tokens',
     { password => 'owner-pass-1' }],
    ['revoke the owner\'s token', DELETE => "-/npm/v1/tokens/token/$victim_key",
     undef],
    ['add to the owner\'s organisation', PUT => "-/org/$org/user",
     { user => $other, role => 'owner' }],
    ['remove from it', DELETE => "-/org/$org/user", { user => $owner }],
    ['move a dist-tag', PUT => "-/package/$esc_pkg/dist-tags/beta",
     '"1.0.0"'],
    ['remove a dist-tag', DELETE => "-/package/$esc_pkg/dist-tags/keep",
     undef],
    ['restrict the package', POST => "-/package/$esc_pkg/access",
     { access => 'restricted' }],
    ['change its maintainers', PUT => "$esc_pkg/-rev/$rev",
     { _id => $pkg, _rev => $rev, maintainers => [{ name => $other }] }],
    ['deprecate it', PUT => $esc_pkg,
     { _id => $pkg, _rev => $rev,
       versions => { '1.0.0' => { deprecated => 'taken over' } } }],
    ['unpublish its version', PUT => "$esc_pkg/-rev/$rev",
     { _id => $pkg, _rev => $rev, versions => {} }],
    ['delete its tarball', DELETE => "$pkg/-/guarded-1.0.0.tgz/-rev/$rev",
     undef],
    ['unpublish the package', DELETE => "$esc_pkg/-rev/$rev", undef],
    # Anyone who may read a package may star it: another user's star is
    # theirs to give (and is the only change this file allows).
    ['star it', PUT => $esc_pkg,
     { _id => $pkg, users => { $owner => JSON::PP::true(),
                               $other => JSON::PP::true() } }],
);

Apache::Test::plan(tests => @setup + 2 * @who * @writes + 4);
is $_->[0], $_->[1], $_->[2] for @setup;

# What a refused write must leave alone: the package, the owner's tokens
# and the organisation.
sub state {
    return join "\n", store_state($base, $pkg),
        req(GET => "$base\@$owner%2fnew-one")->code,
        join(',', sort map { $_->{key} } @{ json_of(req(GET =>
            "${base}-/npm/v1/tokens", token => $otok))->{objects} }),
        req(GET => "${base}-/org/$org/user", token => $admin)->content;
}

for my $w (@writes) {
    my ($what, $method, $path, $body) = @$w;
    for my $c (@who) {
        my ($cred, $token, $want) = @$c;
        # Making a token needs only the user's own password: another
        # user's token there makes that user's token, which is no write to
        # the owner's things; it is refused below for a wrong password.
        my $expect = $want;
        $expect = 401 if $what eq 'make a token' && $cred =~ /another/;
        # Revoking someone else's token is a 404: it is not theirs to see.
        $expect = 404 if $what =~ /^revoke/ && $cred =~ /another/;
        my $star = $what =~ /^star/ && $cred =~ /another/;
        $expect = 200 if $star;
        my $before = state();
        my $res = req($method => "$base$path", token => $token,
                      defined $body ? (body => $body) : ());
        is $res->code, $expect, "$what with $cred: $expect";
        if ($star) {
            my $users = json_of(req(GET => "$base$esc_pkg"))->{users};
            is_deeply [sort keys %$users], [$other],
               "$what with $cred: that user's star alone, the owner's not";
            next;
        }
        is state(), $before, "$what with $cred: nothing changed";
    }
}

# Logging in and out are the two writes that take no token: a wrong
# password changes nothing, and logout revokes only the token it names.
my $before = state();
my $res = req(PUT => "${base}-/user/org.couchdb.user:$owner",
              body => { name => $owner, password => 'wrong' });
is $res->code, 401, 'a login with a wrong password: 401';
is state(), $before, 'nothing changed';
is req(DELETE => "${base}-/user/token/tsr_" . ('B' x 43))->code, 200,
   'logout of a token nobody has: 200 (npm would keep it otherwise)';
is req(GET => "${base}-/whoami", token => $otok)->code, 200,
   'and the owner\'s token still works';
