# Concurrency: writers of one package race.  Sixteen publishes of
# different versions at once all land, in one _rev chain; eight publishes
# of the same version at once give one 201 and 409 to the rest, and leave
# one tarball, the winner's.
use strict;
use warnings;
use Apache::Test qw(-withtestmore have_lwp);
use Test::More;
use Digest::SHA qw(sha1_hex);
use LWP::UserAgent ();
use HTTP::Request ();
use JSON::PP ();
use TsciTest qw(base_url req json_of make_tarball publish_body adduser
                unique data_dir t_var);

Apache::Test::plan(tests => 15, have_lwp);

my $base = base_url('/npm/');
my $token = adduser($base, unique('racer'), 'racer-pass-1');
my $json = JSON::PP->new->canonical;
my $results = t_var() . '/concurrency-results';

# Fork one writer per body; all wait on a pipe, so that closing it starts
# them at once.  Returns { version-or-index => [status, sha1 of tarball] }.
sub race {
    my ($name, @jobs) = @_;
    unlink glob "$results.*";
    pipe my $gate_r, my $gate_w or die "pipe: $!";
    my @pids;
    for my $i (0 .. $#jobs) {
        my $pid = fork // die "fork: $!";
        if ($pid == 0) {
            close $gate_w;
            my $ua = LWP::UserAgent->new(timeout => 60);
            my $r = HTTP::Request->new(PUT => "$base$name");
            $r->header(Authorization => "Bearer $token");
            $r->header('Content-Type' => 'application/json');
            $r->content($json->encode(publish_body(name => $name,
                version => $jobs[$i]{version},
                tarball => $jobs[$i]{tgz})));
            sysread $gate_r, my $buf, 1;    # returns at EOF: the start
            my $res = $ua->request($r);
            open my $out, '>', "$results.$i" or die $!;
            print $out $res->code, ' ', sha1_hex($jobs[$i]{tgz}), "\n";
            close $out;
            exit 0;
        }
        push @pids, $pid;
    }
    close $gate_r;
    select undef, undef, undef, 0.5;        # let every writer get ready
    close $gate_w;
    waitpid $_, 0 for @pids;
    my @got;
    for my $i (0 .. $#jobs) {
        open my $fh, '<', "$results.$i" or die "writer $i left no result";
        my ($code, $sha) = split ' ', scalar <$fh>;
        push @got, [$code, $sha];
    }
    return @got;
}

sub tarballs_of {
    my $name = shift;
    return glob data_dir() . "/tarballs/$name/-/*.tgz";
}

# Sixteen versions of a new package at once.
my $many = unique('race-many');
my @versions = map { "1.0.$_" } 0 .. 15;
my @got = race($many, map { { version => $_,
    tgz => make_tarball(name => $many, version => $_) } } @versions);
my @codes = map { $_->[0] } @got;
is scalar(grep { $_ == 201 } @codes), 16, "16 concurrent versions: 201 each (@codes)";

my $doc = json_of(req(GET => "$base$many"));
is_deeply [sort keys %{ $doc->{versions} || {} }], [sort @versions],
    'the packument lists all 16';
like $doc->{_rev} // '', qr/^16-[0-9a-f]{32}$/,
    'one _rev chain: 16 writes, 16 revisions';
is scalar(grep { $_ ne 'created' && $_ ne 'modified' }
          keys %{ $doc->{time} || {} }), 16, 'a time for each';
my %sha_of = map { $versions[$_] => $got[$_][1] } 0 .. $#versions;
my $bad = 0;
for my $v (@versions) {
    my $d = $doc->{versions}{$v}{dist} || {};
    my $t = req(GET => $d->{tarball} // "$base$many/-/none.tgz");
    $bad++ unless ($d->{shasum} // '') eq $sha_of{$v} && $t->code == 200
                  && sha1_hex($t->content) eq $sha_of{$v};
}
is $bad, 0, 'every version serves its own tarball';
is scalar(my @f = tarballs_of($many)), 16, '16 tarball files on disk';
my %by_spec = (map({ $_ => $_ } @versions),
               latest => $doc->{'dist-tags'}{latest} // 'none');
my @differ = grep {
    $json->encode(json_of(req(GET => "$base$many/$_")) // {})
        ne $json->encode($doc->{versions}{ $by_spec{$_} } // [])
} sort keys %by_spec;
is "@differ", '', 'GET /<name>/<version> is the packument\'s manifest';

# Eight writers of the same version of a new package, each with its own
# bytes.
my $one = unique('race-one');
@got = race($one, map { { version => '1.0.0',
    tgz => make_tarball(name => $one, version => '1.0.0',
                        index => "module.exports = $_;\n") } } 1 .. 8);
@codes = sort map { $_->[0] } @got;
is scalar(grep { $_ == 201 } @codes), 1, "one of eight wins (@codes)";
is scalar(grep { $_ == 409 } @codes), 7, 'the other seven get 409';
my ($winner) = map { $_->[1] } grep { $_->[0] == 201 } @got;
$doc = json_of(req(GET => "$base$one"));
is $doc && $doc->{versions}{'1.0.0'}{dist}{shasum}, $winner,
    'the packument has the winner\'s tarball';
like $doc->{_rev} // '', qr/^1-/, 'written once';
my @files = tarballs_of($one);
is scalar(@files), 1, 'one tarball file on disk';
my $t = req(GET => $doc->{versions}{'1.0.0'}{dist}{tarball});
is $t->code == 200 && sha1_hex($t->content), $winner,
    'and it is the winner\'s';

# The same race again on a package that exists: one more wins, no less.
@got = race($one, map { { version => '2.0.0',
    tgz => make_tarball(name => $one, version => '2.0.0',
                        index => "module.exports = $_;\n") } } 1 .. 8);
@codes = sort map { $_->[0] } @got;
is "@codes", join(' ', 201, (409) x 7), 'on an existing package too';

my @left = glob data_dir() . '/tmp/*';
is "@left", '', 'nothing left in the staging area';
