# Backup while publishes run, then restore and verify: tsci-registry
# backs a store up while writers publish to it, restores the backup into
# a new data directory, verify passes there, and an Apache started on it
# serves every publish acknowledged before the backup began, and every
# tarball of every document it holds.  verify then finds a removed
# tarball, an orphan file and a corrupted tarball, each named.  This file
# starts Apaches of its own (TsciTest::spare_port 0 and 1) and stops them.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use Digest::SHA qw(sha1_hex);
use File::Path qw(rmtree);
use JSON::PP ();
use POSIX ();
use Time::HiRes qw(sleep);
use TsciTest qw(bdb_only json_of adduser unique own_apache req publish slurp);

Apache::Test::plan(tests => 41, Apache::Test::need(have_lwp,
    bdb_only("backup copies Berkeley DB's files (pg_dump on dbd)")));

my $tool = Apache::Test::vars('top_dir') . '/mod_tsci_registry/tsci-registry';
my $json = JSON::PP->new;

# Run the tool: (exit status, standard output, standard error).
sub tool {
    my (@args) = @_;
    my $errfile = Apache::Test::vars('t_dir') . "/var/tool-stderr.$$";
    my $cmd = join ' ', map { quotemeta } $tool, @args;
    my $out = `$cmd </dev/null 2>$errfile`;
    my $rc = $? >> 8;
    my $err = slurp($errfile) // '';
    unlink $errfile;
    return ($rc, $out, $err);
}

# Every "name sha1" the writers logged so far.
sub acks {
    my $log = shift;
    my @acks;
    for my $f (glob "$log.*") {
        open my $fh, '<', $f or next;
        push @acks, map { chomp; [split / /] } grep { /\n\z/ } <$fh>;
    }
    return @acks;
}

my $ap = own_apache(name => 'backup', port => TsciTest::spare_port(0));
ok $ap->{up}, 'an Apache with a registry';
my $base = $ap->{base};
my $data = $ap->{datadir};
my $user = unique('bk');
my $tok = adduser($base, $user, 'backup-pass-1');
my @first = (unique('bk-plain'), "\@$user/" . unique('pkg'));
for my $name (@first) {
    is publish($base, $tok, name => $name, version => '1.0.0')->code, 201,
       "published $name before the writers";
}

# Writers publish new packages all along; the backup starts once they
# have been at it for a while.
my $log = "$ap->{dir}/acks";
my @writers = TsciTest::start_writers(n => 4, seconds => 8, base => $base,
                                      token => $tok, log => $log,
                                      prefix => unique('hot'));
sleep 2;
my @before = acks($log);
ok @before > 10, 'the writers publish (' . scalar(@before) . ' so far)';

my $bk = "$ap->{dir}/backup";
rmtree($bk);
my ($rc, $out, $err) = tool('-d', $data, '--json', '--progress', 'backup',
                            $bk);
note $err;
my $during = acks($log) - @before;
my @alive = grep { kill 0, $_ } @writers;
is $rc, 0, 'backup while the writers publish' or diag $err;
is scalar(@alive), scalar(@writers), 'the writers were still at it when it ended';
ok $during > 0, "publishes were acknowledged while it ran ($during)";
my $manifest = eval { $json->decode($out) };
ok $manifest, '--json says what it backed up' or diag $out;
$manifest ||= {};
like $err, qr/backup: databases .*\n.*backup: logs .*\n(?s:.*)backup: package tarballs /,
     'progress on standard error, step by step';
ok -f "$bk/backup.json" && !glob("$bk/db/__db.*"),
   'the backup has its manifest and no shared regions';
cmp_ok $manifest->{packages}, '>=', @before + @first,
       'every package acknowledged before it began is counted';
is_deeply $manifest->{missing}, [], 'no tarball went missing';
waitpid $_, 0 for @writers;
my @all = acks($log);
cmp_ok $manifest->{packages}, '<', @all + @first + 1, 'no more than were published';

($rc, $out, $err) = tool('-d', $data, 'backup', $bk);
is $rc, 1, 'a backup into a directory that is not empty fails';
like $err, qr/is not empty/, 'saying why';

# Restore into a new data directory; verify it before Apache does.
my $new = "$ap->{dir}/restored";
rmtree($new);
($rc, $out, $err) = tool('-d', $new, 'restore', $bk);
is $rc, 0, 'restore into a new data directory' or diag $err;
like $out, qr/TsciRegistryDataDir name \Q$new\E, then "apache2ctl graceful"/,
     "it says what to do next";
($rc, $out, $err) = tool('-d', $new, 'restore', $bk);
is $rc, 1, 'restore again over it, without --force, fails';
like $err, qr/--force/, 'pointing at --force';
($rc, $out, $err) = tool('-d', $new, 'verify');
is $rc, 0, 'verify passes on the restored store' or diag "$out$err";
like $out, qr/no problems/, 'and says so';
($rc, $out, $err) = tool('-d', $new, '--json', 'verify');
my $v = eval { $json->decode($out) } || {};
ok $v->{ok}, 'verify --json: ok';
is $v->{packages}, $manifest->{packages}, 'it read every document';
is $v->{tarballs}, $manifest->{tarballs}, 'and hashed every tarball';
ok !glob("$new/db/__db.*"), 'verify left no shared regions behind';

# An Apache on the restored store.
my $ap2 = own_apache(name => 'restored', port => TsciTest::spare_port(1),
                     datadir => $new);
ok $ap2->{up}, 'an Apache starts on the restored store';
my $base2 = $ap2->{base};
my @lost;
for my $ack (@before) {
    my ($name, $sha1) = @$ack;
    my $doc = json_of(req(GET => "$base2$name"));
    push @lost, $name
        unless $doc && ($doc->{versions}{'1.0.0'}{dist}{shasum} // '') eq $sha1;
}
is "@lost", '', 'every publish acknowledged before the backup began is there';
for my $name (@first) {
    (my $esc = $name) =~ s{/}{%2f};
    is req(GET => "$base2$esc")->code, 200, "$name is there";
}

# Every document served, and every tarball it names, with its digests.
my ($docs, $tarballs, @bad) = (0, 0);
for my $name (@first, map { $_->[0] } @all) {
    (my $esc = $name) =~ s{/}{%2f};
    my $res = req(GET => "$base2$esc");
    next if $res->code == 404;
    my $doc = json_of($res);
    $docs++;
    for my $ver (sort keys %{ $doc->{versions} || {} }) {
        my $dist = $doc->{versions}{$ver}{dist};
        my $tgz = req(GET => $dist->{tarball});
        $tarballs++;
        push @bad, "$name\@$ver"
            unless $tgz->code == 200 && sha1_hex($tgz->content) eq $dist->{shasum}
                   && index($dist->{tarball}, $base2) == 0;
    }
}
is $docs, $manifest->{packages}, 'as many documents are served as were backed up';
is $tarballs, $manifest->{tarballs}, 'and tarballs';
is "@bad", '', 'every tarball is served from the restored registry, intact';
ok !grep({ /TSR00004|TSR00101/ } do { open my $l, '<', $ap2->{errlog}; <$l> }),
   'no child failed to open the restored store';
is publish($base2, $tok, name => unique('after-restore'),
           version => '1.0.0')->code, 201,
   'the restored registry takes a publish (the user and token came along)';
$ap2->{stop}->();

# The live store, now that nobody publishes, verifies too.
($rc, $out, $err) = tool('-d', $data, 'verify');
is $rc, 0, 'verify passes on the live store once the writers stopped'
    or diag "$out$err";
like $err, qr/this store is shared with Apache/,
     'with a note that Apache may be writing to it';

# Damage: a tarball removed, a file no document names, a tarball changed.
my ($gone, $changed) = map { $_->[0] } @before[0, 1];
my $gone_path = "$gone/-/$gone-1.0.0.tgz";
my $changed_path = "$changed/-/$changed-1.0.0.tgz";
unlink "$new/tarballs/$gone_path" or die "unlink: $!";
mkdir "$new/tarballs/stray";
mkdir "$new/tarballs/stray/-";
open my $fh, '>', "$new/tarballs/stray/-/stray-1.0.0.tgz" or die $!;
print $fh "left behind\n";
close $fh;
open $fh, '+<', "$new/tarballs/$changed_path" or die $!;
seek $fh, 30, 0;
print $fh 'X';
close $fh;
($rc, $out, $err) = tool('-d', $new, 'verify');
is $rc, 1, 'verify fails on the damaged store';
like $out, qr/^missing tarball: \Q$gone_path\E \(\Q$gone\E\@1\.0\.0\)$/m,
     'naming the removed tarball';
like $out, qr{^orphan file: tarballs/stray/-/stray-1\.0\.0\.tgz}m,
     'the orphan file';
like $out, qr/^tarball \Q$changed_path\E .* has SHA-1 /m,
     'and the changed tarball';
($rc, $out, $err) = tool('-d', $new, '--json', 'verify');
$v = eval { $json->decode($out) } || {};
is_deeply [sort map { "$_->{kind} " . ($_->{path} // '') } @{ $v->{problems} || [] }],
          [sort("missing $gone_path", 'orphan stray/-/stray-1.0.0.tgz',
                "shasum $changed_path", "integrity $changed_path")],
          'verify --json: each problem, with its kind and path';
$ap->{stop}->();
