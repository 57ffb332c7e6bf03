# Moving a registry between the stores with tsci-registry copy: a
# registry made by the real npm client on Berkeley DB moves into
# PostgreSQL (the same data directory: the tarballs stay where they are),
# an Apache on the SQL store serves it (the old token, npm install, a new
# publish), and it moves back into a new Berkeley DB store in another
# directory (the tarballs are copied), served again the same way.  verify
# finds nothing wrong on either side at each step, and a copy into a store
# that is not empty is refused.  Starts its own cluster and Apaches
# (TsciTest::spare_port 0..2).
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use JSON::PP ();
use File::Path qw(mkpath rmtree);
use TsciTest qw(main_store_independent npm_env run_npm npm_adduser unique t_var write_file req
                json_of own_apache spare_port slurp);
use TsciPG;

my $pg = TsciPG::needed();
my $have_npm = system('npm --version >/dev/null 2>&1') == 0;
Apache::Test::plan(tests => 49, Apache::Test::need(have_lwp,
    main_store_independent("one on each store, a cluster of its own"),
    $pg,
    $have_npm || Apache::Test::skip_reason('npm is not installed')));

my $tool = Apache::Test::vars('top_dir') . '/mod_tsci_registry/tsci-registry';
my $mods = '/usr/lib/apache2/modules';
my $pgdir = t_var() . '/pg-move';
my $conn = TsciPG::start($pgdir);
my $dd1 = t_var() . '/move-data1';
my $dd2 = t_var() . '/move-data2';
rmtree($_) for $dd1, $dd2;

# Run the tool with $stdin on standard input: (exit status, standard
# output, standard error).
sub tool_in {
    my ($stdin, @args) = @_;
    my $tmp = t_var() . "/move-tool.$$";
    write_file("$tmp.in", $stdin // '');
    my $cmd = join ' ', map { quotemeta } $tool, @args;
    my $out = `$cmd <$tmp.in 2>$tmp.err`;
    my $rc = $? >> 8;
    my $said = slurp("$tmp.err") // '';
    unlink "$tmp.in", "$tmp.err";
    return ($rc, $out, $said);
}
sub tool { return tool_in(undef, @_) }

my $dbd_conf = <<"EOC";
LoadModule dbd_module $mods/mod_dbd.so
DBDriver pgsql
DBDParams "$conn"
DBDMin 0
DBDKeep 2
DBDMax 10
TsciRegistryStore dbd
EOC
my @apaches;
END { $_ && $_->{stop}->() for @apaches; }

my $work = t_var() . '/move-work';
rmtree($work);
mkpath($work);
my $env = npm_env('move');
my $user = unique('mover');
my $lib = unique('moved-lib');

sub publish_version {
    my ($base, $version) = @_;
    write_file("$work/$lib/package.json", qq({"name": "$lib", "version": )
        . qq("$version", "main": "index.js", "license": "MIT"}\n));
    write_file("$work/$lib/index.js", "module.exports = '$lib $version';\n");
    return run_npm($env, "$work/$lib", 'publish', "--registry=$base");
}

# npm install of $spec from $base into a fresh project, with an empty
# cache: what require() then says.
my $installs = 0;
sub installed {
    my ($base, $spec) = @_;
    my $app = "$work/app" . ++$installs;
    mkpath($app);
    write_file("$app/package.json",
               qq({"name": "app", "version": "1.0.0", "private": true}\n));
    my ($rc, $out) = run_npm(npm_env("move-install$installs"), $app,
                             'install', $spec, "--registry=$base");
    return "npm install failed: $out" if $rc != 0;
    return `cd \Q$app\E && node -e "console.log(require('$lib'))" 2>&1`;
}

# 1. A registry on Berkeley DB, made by npm.
my $a = own_apache(name => 'move-bdb', port => spare_port(0),
                   datadir => $dd1);
push @apaches, $a;
ok $a->{up}, 'an Apache on Berkeley DB' or diag $a->{start_out};
my ($ok, $transcript) = npm_adduser($env, $a->{base}, $user, 'move-pass-1',
                                    "$user\@example.com");
ok $ok, 'npm adduser' or diag $transcript;
mkpath("$work/$lib");
my ($rc, $out) = publish_version($a->{base}, '1.0.0');
is $rc, 0, 'npm publish 1.0.0' or diag $out;
($rc, $out) = publish_version($a->{base}, '1.1.0');
is $rc, 0, 'npm publish 1.1.0' or diag $out;
my $npmrc = slurp($env->{userconfig});
my ($token) = $npmrc =~ /_authToken=(\S+)/;
ok $token, 'npm kept its token';
my $seq_a = json_of(req(GET => $a->{base}))->{update_seq};
ok $seq_a >= 2, "the feed on Berkeley DB is at $seq_a";
$a->{stop}->();

my ($err);
($rc, $out, $err) = tool('-d', $dd1, 'verify');
is $rc, 0, 'verify on Berkeley DB before the move' or diag "$out$err";

# 2. Into PostgreSQL, the same data directory.
($rc, $out, $err) = tool('-d', $dd1, '--json', 'copy', '--to-store', 'dbd',
                         '--to-params', $conn);
is $rc, 0, 'copy --to-store dbd' or diag "$out$err";
my $res = eval { JSON::PP::decode_json($out) } // {};
is $res->{packages}, 1, 'one package copied';
is $res->{versions}, 2, 'with its two versions';
is $res->{users}, 1, 'one user';
is $res->{tokens}, 1, "and the user's token";
is $res->{tarballs_copied}, 0, 'no tarball copied: the directory is shared';
is TsciPG::psql($conn, "SELECT count(*) FROM tsr_tokens t JOIN tsr_users u "
                . "ON u.name = t.username WHERE u.name = '$user'"), '1',
   'the token hash is a row of the database, under its user';
($rc, $out, $err) = tool('-d', $dd1, '--store', 'dbd', '--dbd-params', $conn,
                         'verify');
is $rc, 0, 'verify on PostgreSQL after the move' or diag "$out$err";
like $out, qr/1 packages, 2 versions, 2 tarballs .*: no problems/,
   'it checked the package, both versions and both tarballs';

# 3. Served from PostgreSQL: the old token, npm install, a new version.
my $b = own_apache(name => 'move-dbd', port => spare_port(1),
                   datadir => $dd1, conf => $dbd_conf);
push @apaches, $b;
ok $b->{up}, 'an Apache on the SQL store, on the moved registry'
    or diag $b->{start_out};
# A follower of the feed carries on: the package is at the number of its
# last change, and the sequence goes on from there.
is json_of(req(GET => $b->{base}))->{update_seq}, $seq_a,
   'the feed on PostgreSQL is where it was';
my $rows = json_of(req(GET => "$b->{base}_changes?since=" . ($seq_a - 1)));
is_deeply [map { $_->{id} } @{ $rows->{results} || [] }], [$lib],
   'and shows the package at its last change';
(my $bkey = $b->{base}) =~ s{^https?:}{};
open my $rcf, '>>', $env->{userconfig} or die $!;
print $rcf "$bkey:_authToken=$token\n";
close $rcf;
($rc, $out) = run_npm($env, $work, 'whoami', "--registry=$b->{base}");
is $rc, 0, 'npm whoami with the token made on Berkeley DB' or diag $out;
like $out, qr/^\Q$user\E$/m, 'names the user';
is installed($b->{base}, "$lib\@1.1.0"), "$lib 1.1.0\n",
   'npm install of a version published before the move';
($rc, $out) = publish_version($b->{base}, '1.2.0');
is $rc, 0, 'npm publish 1.2.0 after the move' or diag $out;
($rc, $out) = publish_version($b->{base}, '1.1.0');
isnt $rc, 0, 'a version published before the move stays immutable';

# The tool's user and token commands on the SQL store, while it serves.
my @pg = ('-d', $dd1, '--store', 'dbd', '--dbd-params', $conn);
my $extra = unique('extra');
($rc, $out, $err) = tool_in("extra-pass-1\n", @pg, 'user', 'add', $extra);
is $rc, 0, "user add $extra on PostgreSQL" or diag $err;
($rc, $out, $err) = tool(@pg, 'token', 'create', $extra);
chomp(my $etok = $out);
is json_of(req(GET => "$b->{base}-/whoami", token => $etok))->{username},
   $extra, 'a token the tool made works on the Apache at once';
($rc, $out, $err) = tool(@pg, '--json', 'user', 'list');
my $list = eval { JSON::PP::decode_json($out) } // [];
is_deeply [ map { "$_->{name}:$_->{tokens}" } @$list ],
   [ sort("$user:1", "$extra:1") ], 'user list: both users, a token each';
($rc, $out, $err) = tool_in("extra-pass-2\n", @pg, 'user', 'passwd',
                            $extra);
is $rc, 0, 'user passwd on PostgreSQL' or diag $err;
is req(PUT => "$b->{base}-/user/org.couchdb.user:$extra",
       body => { name => $extra, password => 'extra-pass-2' })->code, 201,
   'the new password logs in';
($rc, $out, $err) = tool(@pg, '--json', 'user', 'del', $extra);
is $rc, 0, 'user del on PostgreSQL' or diag $err;
is eval { JSON::PP::decode_json($out)->{tokens} }, 2,
   'it took both of the user\'s tokens';
is req(GET => "$b->{base}-/whoami", token => $etok)->code, 401,
   'the Apache refuses the deleted user\'s token at once';
($rc, $out, $err) = tool(@pg, 'reindex', 'views');
like $out, qr/^reindex: views: 1 packages$/m, 'reindex views on PostgreSQL'
    or diag $err;
($rc, $out, $err) = tool(@pg, '--json', 'stats');
$res = eval { JSON::PP::decode_json($out) } // {};
is_deeply [ @$res{qw(packages versions users tokens)} ], [ 1, 3, 1, 1 ],
   'stats on PostgreSQL: 1 package, 3 versions, 1 user, 1 token';
$b->{stop}->();

# A copy into a store that is not empty is refused.
($rc, $out, $err) = tool('-d', $dd1, 'copy', '--to-store', 'dbd',
                         '--to-params', $conn);
is $rc, 1, 'a copy into a registry in use is refused';
like $err, qr/not empty/, 'saying why';

# 4. Back into a new Berkeley DB store, in another directory.
($rc, $out, $err) = tool('-d', $dd1, '--store', 'dbd', '--dbd-params', $conn,
                         '--json', 'copy', '--to-store', 'bdb',
                         '--to-datadir', $dd2);
is $rc, 0, 'copy --to-store bdb --to-datadir' or diag "$out$err";
$res = eval { JSON::PP::decode_json($out) } // {};
is $res->{versions}, 3, 'three versions now';
is $res->{tarballs_copied}, 3, 'their tarballs copied to the new directory';
($rc, $out, $err) = tool('-d', $dd2, 'verify');
is $rc, 0, 'verify on the new Berkeley DB store' or diag "$out$err";
like $out, qr/1 packages, 3 versions, 3 tarballs .*: no problems/,
   'every version and tarball checked';
($rc, $out, $err) = tool('-d', $dd1, '--store', 'dbd', '--dbd-params', $conn,
                         'verify');
is $rc, 0, 'and verify still clean on PostgreSQL' or diag "$out$err";
($rc, $out, $err) = tool('-d', $dd2, '--json', 'stats');
$res = eval { JSON::PP::decode_json($out) } // {};
is_deeply [ @$res{qw(packages versions users tokens)} ], [ 1, 3, 1, 1 ],
   'stats on the copy: 1 package, 3 versions, 1 user, 1 token';

# 5. Served from Berkeley DB again.
my $c = own_apache(name => 'move-back', port => spare_port(2),
                   datadir => $dd2);
push @apaches, $c;
ok $c->{up}, 'an Apache on the store moved back' or diag $c->{start_out};
(my $ckey = $c->{base}) =~ s{^https?:}{};
open $rcf, '>>', $env->{userconfig} or die $!;
print $rcf "$ckey:_authToken=$token\n";
close $rcf;
($rc, $out) = run_npm($env, $work, 'whoami', "--registry=$c->{base}");
is $rc, 0, 'npm whoami with the same token, after two moves' or diag $out;
like $out, qr/^\Q$user\E$/m, 'names the user';
is installed($c->{base}, "$lib\@1.2.0"), "$lib 1.2.0\n",
   'npm install of the version published on PostgreSQL';
my $doc = json_of(req(GET => "$c->{base}$lib"));
is_deeply [ sort keys %{ $doc->{versions} // {} } ],
   [ '1.0.0', '1.1.0', '1.2.0' ], 'the packument has every version';
my $log = join '', map { slurp($_->{errlog}) // '' } @apaches;
unlike $log, qr/exit signal|Segmentation/, 'no child died';
