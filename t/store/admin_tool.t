# tsci-registry beside a running Apache: users (add, passwd, del, list),
# tokens (create, list, revoke by key or all of a user's), stats and
# reindex, --json everywhere it is asked for, and the command line's
# refusals.  A token the tool revokes stops working at once although the
# one child of this Apache had it in its token cache: the tool moves the
# count of revocations every child maps.  This file starts an Apache of
# its own (TsciTest::spare_port 2) and stops it.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use JSON::PP ();
use TsciTest qw(main_store_independent json_of adduser unique own_apache req publish slurp);

Apache::Test::plan(tests => 54, Apache::Test::need(have_lwp,
    main_store_independent("Berkeley DB; dbd: check_store_dbd_admin.c")));

my $bin = Apache::Test::vars('top_dir') . '/mod_tsci_registry';
my $tool = "$bin/tsci-registry";
my $json = JSON::PP->new;

# Run the tool with $stdin (or nothing) on standard input: (exit status,
# standard output, standard error).
sub run_tool {
    my ($stdin, $prog, @args) = @_;
    my $tmp = Apache::Test::vars('t_dir') . "/var/tool.$$";
    open my $in, '>', "$tmp.in" or die $!;
    print $in $stdin // '';
    close $in;
    my $cmd = join ' ', map { quotemeta } $prog, @args;
    my $out = `$cmd <$tmp.in 2>$tmp.err`;
    my $rc = $? >> 8;
    my $err = slurp("$tmp.err") // '';
    unlink "$tmp.in", "$tmp.err";
    return ($rc, $out, $err);
}
sub tool { return run_tool(undef, $tool, @_) }

my $ap = own_apache(name => 'admintool', port => TsciTest::spare_port(2));
ok $ap->{up}, 'an Apache with a registry';
my $base = $ap->{base};
my $data = $ap->{datadir};
my @d = ('-d', $data);

sub login {
    my ($user, $pass) = @_;
    return req(PUT => "${base}-/user/org.couchdb.user:$user",
               body => { _id => "org.couchdb.user:$user", name => $user,
                         password => $pass, type => 'user', roles => [] });
}
sub whoami {
    my $res = req(GET => "${base}-/whoami", token => shift);
    return $res->code == 200 ? json_of($res)->{username} : $res->code;
}

my $alice = unique('alice');
my $atok = adduser($base, $alice, 'alice-pass-1');
my $pkg = unique('owned');
is publish($base, $atok, name => $pkg, version => '1.0.0')->code, 201,
   "$alice publishes $pkg";
is whoami($atok), $alice, 'her token works (and is now in the cache)';

# ---- user passwd ----
my ($rc, $out, $err) = run_tool("alice-pass-2\n", $tool, @d, 'user',
                                'passwd', $alice);
is $rc, 0, 'user passwd, the password on standard input' or diag $err;
like $out, qr/changed the password of \Q$alice\E/, 'it says so';
is login($alice, 'alice-pass-1')->code, 401, 'the old password is refused';
is login($alice, 'alice-pass-2')->code, 201, 'the new one logs in';
is whoami($atok), $alice, 'her tokens stay good';
($rc, $out, $err) = run_tool("x-pass\n", $tool, @d, 'user', 'passwd',
                             'nobody-such');
is $rc, 1, 'passwd of a user that does not exist fails';
like $err, qr/no user nobody-such/, 'naming the user';

# ---- user add, list; token create, list ----
my $bob = unique('bob');
($rc, $out, $err) = run_tool("bob-pass-1\n", $tool, @d, 'user', 'add', $bob,
                             'bob@example.com');
is $rc, 0, 'user add' or diag $err;
is login($bob, 'bob-pass-1')->code, 201, 'the added user logs in';
($rc, $out, $err) = tool(@d, 'token', 'create', $bob, '--read-only');
is $rc, 0, 'token create --read-only' or diag $err;
chomp(my $btok = $out);
like $btok, qr/^tsr_[A-Za-z0-9_-]{43}$/, 'it prints the token';
is whoami($btok), $bob, 'which is bob';
is publish($base, $btok, name => unique('ro'), version => '1.0.0')->code,
   403, 'and reads only';

($rc, $out, $err) = tool(@d, '--json', 'user', 'list');
my $users = eval { $json->decode($out) } || [];
is $rc, 0, 'user list --json';
my %u = map { $_->{name} => $_ } @$users;
ok $u{$alice} && $u{$bob}, 'lists both users';
is $u{$bob}{email}, 'bob@example.com', 'with their email';
is $u{$bob}{tokens}, 2, "and how many tokens (bob's login and the tool's)";
($rc, $out, $err) = tool(@d, 'user', 'list');
like $out, qr/^\Q$bob\E\s+bob\@example\.com\s+\S+\s+2 tokens$/m,
     'user list, as text';

($rc, $out, $err) = tool(@d, '--json', 'token', 'list', $bob);
my $tokens = eval { $json->decode($out) } || [];
is scalar(@$tokens), 2, "token list --json USER: bob's two";
my ($ro) = grep { $_->{readonly} } @$tokens;
ok $ro && $ro->{key} =~ /^[0-9a-f]{64}$/ && $ro->{user} eq $bob,
   'the read-only one, by key, with its user';
is substr($btok, 0, length $ro->{token}), $ro->{token},
   'showing the first characters of the token';
($rc, $out, $err) = tool(@d, '--json', 'token', 'list');
$tokens = eval { $json->decode($out) } || [];
is scalar(grep { $_->{user} eq $alice } @$tokens), 2,
   "token list --json: everyone's (alice's two)";

# ---- token revoke: by key, then all of a user's ----
($rc, $out, $err) = tool(@d, 'token', 'revoke', $ro->{key});
is $rc, 0, 'token revoke KEY' or diag $err;
like $out, qr/revoked \Q$ro->{key}\E \(\Q$bob\E\)/, 'naming whose it was';
is whoami($btok), 401, 'the token stops working at once, cached or not';
($rc, $out, $err) = tool(@d, 'token', 'revoke', $ro->{key});
is $rc, 1, 'revoking it again fails';
like $err, qr/no token has the key/, 'saying so';
my $btok2 = json_of(login($bob, 'bob-pass-1'))->{token};
is whoami($btok2), $bob, 'a new login of bob';
($rc, $out, $err) = tool(@d, 'token', 'revoke', '--all', $bob);
is $rc, 0, 'token revoke --all USER';
like $out, qr/revoked 2 tokens of \Q$bob\E/, 'counting them';
is whoami($btok2), 401, 'and they stop working';

# ---- user del ----
($rc, $out, $err) = tool(@d, 'user', 'del', $alice);
is $rc, 0, 'user del' or diag $err;
like $out, qr/deleted \Q$alice\E and 2 tokens/, 'with her tokens';
like $out, qr/still named a maintainer of: \Q$pkg\E/,
     'warning of the packages that still name her';
is whoami($atok), 401, "her token stops working at once, though cached";
($rc, $out, $err) = tool(@d, '--json', 'user', 'list');
$users = eval { $json->decode($out) } || [];
ok !grep({ $_->{name} eq $alice } @$users), 'she is not listed any more';
($rc, $out, $err) = tool(@d, 'user', 'del', $alice);
is $rc, 1, 'deleting her again fails';

# ---- stats, reindex ----
($rc, $out, $err) = tool(@d, '--json', 'stats');
my $st = eval { $json->decode($out) } || {};
is $rc, 0, 'stats --json';
is_deeply [@$st{qw(packages versions users tokens tarballs)}], [1, 1, 1, 0, 1],
          'packages, versions, users, tokens, tarballs';
cmp_ok $st->{datadir_bytes}, '>', $st->{database_bytes} + $st->{tarball_bytes} - 1,
       'the data directory holds the database and the tarballs';
my $before = req(GET => "$base$pkg");
($rc, $out, $err) = tool(@d, 'reindex');
is $rc, 0, 'reindex while Apache serves' or diag $err;
like $out, qr/^reindex: views: 1 packages$/m, 'reporting each step';
my $after = req(GET => "$base$pkg");
is $after->content, $before->content, 'the document reads the same';
is $after->header('ETag'), $before->header('ETag'), 'at the same revision';
($rc, $out, $err) = tool(@d, '--json', 'reindex', 'views');
is_deeply eval { $json->decode($out) }, { steps => [{ name => 'views', packages => 1 }] },
          'reindex --json STEP';

# ---- the command line ----
($rc, $out, $err) = tool('stats');
is $rc, 2, 'no -d: usage error';
($rc, $out, $err) = tool(@d, 'frobnicate');
is $rc, 2, 'an unknown command: usage error';
($rc, $out, $err) = tool('-d', "$ap->{dir}/nothing-here", 'stats');
is $rc, 1, 'a directory without a store';
like $err, qr/no registry store in/, 'says so';
ok !-e "$ap->{dir}/nothing-here", 'and makes nothing there';
# The old name, with the data directory first.
($rc, $out, $err) = run_tool("carol-pass-1\n", "$bin/tsci-registry-admin",
                             $data, 'user', 'add', unique('carol'));
is $rc, 0, 'tsci-registry-admin DATADIR user add still works' or diag $err;
$ap->{stop}->();
