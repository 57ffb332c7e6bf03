# tscircuit's /accounts/get from outside: the registry's users are the
# accounts.  One's own (no parameters, as tsci sends with TSCIRCUIT_TOKEN)
# with its email; another's by account_id or tscircuit_handle (without
# case), without the email; 404 account_not_found for nobody, for a
# GitHub name (the registry knows none) and for an id that is not one;
# 401 without a token; GET and POST alike.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use MIME::Base64 ();
use TsciTest qw(base_url req json_of adduser unique);

Apache::Test::plan(tests => 27, have_lwp);

my $api = base_url('/api/');
my $npm = base_url('/npm/');
my $alice = unique('acc-a');
my $bob = unique('acc-b');
my $ta = adduser($npm, $alice, 'pw-alice');
adduser($npm, $bob, 'pw-bob');

sub get_account {
    my ($token, $body) = @_;
    return req(POST => "${api}accounts/get", body => $body // {},
               token => $token);
}

sub code_of {
    my $d = json_of(shift);
    return $d && ref $d->{error} ? $d->{error}{error_code} : undef;
}

my $res = get_account($ta);
is $res->code, 200, 'one\'s own account: 200';
my $me = json_of($res)->{account};
ok json_of($res)->{ok}, 'ok';
is $me->{tscircuit_handle}, $alice, 'the handle is the user name';
is $me->{email}, "$alice\@example.com", 'one\'s own email';
like $me->{account_id}, qr/^account_[A-Za-z0-9_-]+$/, 'an account id';
like $me->{created_at}, qr/^\d{4}-\d\d-\d\dT/, 'when the user signed up';
ok exists $me->{github_username} && !defined $me->{github_username},
   'no GitHub name';
ok exists $me->{personal_org_id}, 'personal_org_id is there (null)';

$res = get_account($ta, { account_id => $me->{account_id} });
is $res->code, 200, 'by one\'s own account_id (what tsci auth whoami sends)';
is json_of($res)->{account}{tscircuit_handle}, $alice, 'the same account';

$res = get_account($ta, { tscircuit_handle => $bob });
is $res->code, 200, 'another user by handle: 200';
my $other = json_of($res)->{account};
is $other->{tscircuit_handle}, $bob, 'that user';
ok !exists $other->{email}, 'without their email';
$res = get_account($ta, { account_id => $other->{account_id} });
is json_of($res)->{account}{tscircuit_handle}, $bob,
   'found again by account_id';
$res = get_account($ta, { tscircuit_handle => uc $bob });
is json_of($res)->{account}{tscircuit_handle}, $bob,
   'handles compare without case';
$res = req(GET => "${api}accounts/get?tscircuit_handle=$bob", token => $ta);
is $res->code, 200, 'GET with a query works alike';
is json_of($res)->{account}{account_id}, $other->{account_id}, 'same answer';

$res = get_account($ta, { tscircuit_handle => unique('nobody') });
is $res->code, 404, 'nobody of that handle: 404';
is code_of($res), 'account_not_found', 'account_not_found';
$res = get_account($ta, { tscircuit_handle => 'Not A Name!' });
is $res->code, 404, 'a handle no user can have: 404';
$res = get_account($ta, { account_id => 'account_'
    . MIME::Base64::encode_base64url(unique('ghost')) });
is $res->code, 404, 'an account id of nobody: 404';
$res = get_account($ta, { account_id => 'acc-1234' });
is code_of($res), 'account_not_found', 'an id that is not one: 404 too';
$res = get_account($ta, { github_username => $alice });
is $res->code, 404, 'by GitHub name: nobody has one here';

$res = get_account(undef);
is $res->code, 401, 'without a token: 401';
is code_of($res), 'unauthorized', 'unauthorized';
$res = get_account($ta, { tscircuit_handle => { a => 1 } });
is $res->code, 400, 'a handle that is no string: 400';
is code_of($res), 'validation_error', 'a validation_error';
