# A full file system under the data directory.  Publishes get a clear 507
# or 503 and leave the store as it was, reads keep working, no process of
# Apache dies of a signal (Berkeley DB maps its region files from the data
# directory: a page it cannot get is a SIGBUS), and freeing space is all it
# takes for publishes to work again.  At start-up on a full file system
# the parent says so and exits, or starts; it never dies of a signal.
#
# The file system is a small tmpfs in a user and mount namespace of the
# Apache under test (unshare --user --map-current-user --keep-caps
# --mount), so the test runs unprivileged; it is skipped where the kernel
# refuses unprivileged user namespaces.  The test reaches the tmpfs
# through /proc/<httpd>/root.  Ports: TsciTest::spare_port 1 and 2.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use LWP::UserAgent ();
use JSON::PP ();
use POSIX ();
use Time::HiRes qw(sleep time);
use TsciTest qw(bdb_only json_of publish_body adduser unique signal_deaths
                own_apache make_tarball children_of);

my $unshare = 'unshare --user --map-current-user --keep-caps --mount';
my $probe = t_var_probe();
sub t_var_probe {
    my $d = Apache::Test::vars('t_dir') . '/var/fulldisk-probe';
    mkdir $d;
    my $out = `$unshare sh -c 'mount -t tmpfs -o size=1m tmpfs $d && touch $d/x && echo mounted' 2>&1`;
    rmdir $d;
    return $out =~ /mounted/ ? '' : $out;
}
Apache::Test::plan(skip_all => "no unprivileged user and mount namespaces here: $probe")
    if $probe;
Apache::Test::plan(tests => 19, Apache::Test::need(have_lwp,
    bdb_only("a full disk under Berkeley DB's environment")));

my $port = $ENV{TSCI_FULLDISK_PORT} // TsciTest::spare_port(1);
my $json = JSON::PP->new->canonical;
# Short timeouts: a registry that hangs on a full disk must not make the
# test last for minutes.
my $ua = LWP::UserAgent->new(timeout => 3, keep_alive => 0);

sub start_on_tmpfs {
    my ($name, $port, $size) = @_;
    my $dir = Apache::Test::vars('t_dir') . "/var/$name";
    return own_apache(name => $name, port => $port, foreground => 1,
        wrap => $unshare,
        setup => "mkdir -p $dir/data && mount -t tmpfs -o size=$size "
                 . "tmpfs $dir/data");
}

# 1. Start-up on a file system too small for the environment's regions.
{
    my $ap = start_on_tmpfs('fulldisk-start', $port + 1, '4m');
    my $t0 = time;
    sleep 0.2 until defined $ap->{exited}->() || $ap->{up} || time - $t0 > 10;
    my $st = $ap->{exited}->();
    # unshare may stand between us and httpd and report its death by a
    # signal as an exit code of 128 + the signal.
    my $sig = !defined $st ? 0 : ($st & 127) ? $st & 127
            : ($st >> 8) > 128 ? ($st >> 8) - 128 : 0;
    is $sig, 0, 'at start-up on a full disk the parent does not die of a '
                . 'signal' . ($sig ? " (it died of signal $sig)" : '');
    my $log = do { local (@ARGV, $/) = $ap->{errlog}; <> } // '';
    ok $ap->{up} || (defined $st && $st != 0
                     && $log =~ /\Q$ap->{datadir}\E/),
       'it either serves, or exits non-zero saying which data directory'
        or diag "status " . ($st // 'running') . ", log:\n$log";
    $ap->{stop}->();
}

# 2. Running, then the disk fills.
my $ap = start_on_tmpfs('fulldisk', $port, '96m');
END { $ap->{stop}->() if $ap }
ok $ap->{up}, "Apache with its data directory on a 96 MB tmpfs answers"
    or diag do { local (@ARGV, $/) = $ap->{errlog}; <> };
my $base = $ap->{base};
my $token = eval { adduser($base, unique('full'), 'full-pass-1') };

sub put_pkg {
    my ($name, $big) = @_;
    my $r = HTTP::Request->new(PUT => "$base$name");
    $r->header(Authorization => "Bearer $token");
    $r->header('Content-Type' => 'application/json');
    my $tgz = make_tarball(name => $name, version => '1.0.0',
        index => 'module.exports = 1;' . ($big ? join('', map { rand } 1 .. 20000) : ''));
    $r->content($json->encode(publish_body(name => $name, version => '1.0.0',
                                           tarball => $tgz)));
    return $ua->request($r);
}
my $known = unique('full-known');
is put_pkg($known)->code, 201, 'a package to read';
my $before = $ua->get($base)->content;
my $doc_before = $ua->get("$base$known")->content;

# Fill the tmpfs from outside the namespace, through the parent's root.
my $ppid = $ap->{pid}->() // 0;
my $filler = "/proc/$ppid/root$ap->{datadir}/filler";
my $filled = 0;
if (open my $fh, '>', $filler) {
    my $chunk = 'f' x (1 << 20);
    while (syswrite $fh, $chunk) { $filled++ }
    # The last bytes, down to the block.
    my $small = 'f' x 4096;
    1 while syswrite $fh, $small;
    close $fh;
}
my $df = `df -k /proc/$ppid/root$ap->{datadir} 2>&1`;
ok $filled > 0, "filled the file system ($filled MB)" or diag $df;

# Publishes with no space left, then with a little: 0, 64 KB, 512 KB and
# 2 MB free (some fit, some do not, and Berkeley DB may need a page of its
# regions, its log or a database file in between).  Each one is taken
# (201) or refused clearly (507 or 503, with an error and a reason).  A
# new child also has to start on the full disk: the test kills the one
# serving (SIGKILL from the test is allowed).
my (@codes, @taken, @refused, $unclear, $hung);
my $fsize = -s $filler // 0;
for my $slack (0, 65536, 524288, 2 << 20) {
    truncate $filler, $fsize - $slack if $slack;
    if (!$slack) {
        # New children on the full disk, each with new threads entering
        # the library (a thread takes a slot in a region page it may not
        # have touched yet).
        for (1 .. 3) {
            kill 'KILL', children_of($ppid);
            sleep 1.2;
            my @r = map { my $p = fork // die; if (!$p) {
                    LWP::UserAgent->new(timeout => 5)->get("$base$known");
                    POSIX::_exit(0) } $p } 1 .. 8;
            waitpid $_, 0 for @r;
        }
    }
    for my $i (1 .. 4) {
        my $name = unique("full-$slack-$i");
        # Once the registry stopped answering, nothing more to learn.
        my $r = $hung ? HTTP::Response->new(599) : put_pkg($name, $i % 2);
        $hung = 1 if $r->code == 599
            || ($r->header('Client-Warning') // '') eq 'Internal response';
        push @codes, $r->code;
        if ($r->code == 201) {
            push @taken, $name;
            next;
        }
        push @refused, $name;
        my $d = json_of($r);
        $unclear++ unless $d && $d->{error} && $d->{reason};
    }
    # Reads on a full disk, at each step.
    $unclear++ unless !$hung && $ua->get("$base$known")->code == 200;
}
diag 'the registry stopped answering on the full disk' if $hung;
is scalar(grep { $_ != 201 && $_ != 507 && $_ != 503 } @codes), 0,
   "publishes on a (nearly) full disk get 201, 507 or 503 (@codes)";
ok scalar(@refused), 'some were refused for want of space';
ok !$unclear, 'each refusal with an error and a reason, reads answered';
my $after = json_of($ua->get($base)) // {};
my $was = JSON::PP->new->decode($before);
is $after->{doc_count}, $was->{doc_count} + @taken,
   'GET / counts exactly the publishes that were taken';
is scalar(grep { $hung || $ua->get("$base$_")->code != 404 } @refused), 0,
   'no refused publish left a trace';
my $r = $ua->get("$base$known");
is $r->code, 200, 'reads keep working on a full disk';
is $r->content, $doc_before, 'and answer what was there';
my $alive = kill 0, $ppid;
ok $alive && !defined $ap->{exited}->(), 'the parent is alive';
my @deaths = signal_deaths($ap->{errlog});
is scalar(@deaths), 0, 'no child died of a signal'
    or diag join '', map { $_->[2] } @deaths[0 .. ($#deaths > 9 ? 9 : $#deaths)];

# Freeing space is all it takes.
unlink $filler;
my ($code, $t0, $name) = (0, time, unique('full-after'));
while (time - $t0 < 15) {
    $code = put_pkg($name)->code;
    last if $code == 201;
    sleep 0.5;
}
is $code, 201, sprintf 'after freeing space a publish works (%.1f s)',
                       time - $t0;
is $ua->get("$base$name")->code, 200, 'and reads back';
is $ua->get("$base$known")->content, $doc_before, 'the old package too';
@deaths = signal_deaths($ap->{errlog});
is scalar(@deaths), 0, 'still no child died of a signal';
$ap->{stop}->();
my $st = $ap->{exited}->();
# The stop sends SIGTERM and waits 10 s before it uses SIGKILL: a parent
# that had to be killed could not stop its children.
ok defined $st && ($st & 127) == 0,
   'the parent stopped on SIGTERM, never died of a signal (status '
   . ($st // 'unknown') . ')';
